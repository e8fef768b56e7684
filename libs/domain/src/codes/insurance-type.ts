import { defineCodeTable } from './code-table';

/** 险种类型 (indicator AAE140). */
export const InsuranceTypes = defineCodeTable({
  '110': { nameZh: '企业职工基本养老保险', nameEn: "enterprise employees' basic pension" },
  '120': { nameZh: '机关事业单位养老保险', nameEn: "public institutions' pension" },
  '170': { nameZh: '城乡居民基本养老保险', nameEn: "urban and rural residents' basic pension" },
  '210': { nameZh: '失业保险', nameEn: 'unemployment insurance' },
  '310': { nameZh: '职工基本医疗保险', nameEn: "employees' basic medical insurance" },
  '390': { nameZh: '城乡居民基本医疗保险', nameEn: "urban and rural residents' basic medical insurance" },
  '410': { nameZh: '工伤保险', nameEn: 'work injury insurance' },
  '510': { nameZh: '生育保险', nameEn: 'maternity insurance' },
});
export type InsuranceType = (typeof InsuranceTypes.codes)[number];
export const isInsuranceType = InsuranceTypes.is;

/**
 * Coverage questions are asked per family: a person needs one pension and one medical
 * enrolment, and holding two of the same family at once is a duplicate to report.
 */
export type InsuranceFamily = 'pension' | 'medical' | 'unemployment' | 'work-injury' | 'maternity';

const FAMILY: Readonly<Record<InsuranceType, InsuranceFamily>> = {
  '110': 'pension',
  '120': 'pension',
  '170': 'pension',
  '210': 'unemployment',
  '310': 'medical',
  '390': 'medical',
  '410': 'work-injury',
  '510': 'maternity',
};

export function insuranceFamilyOf(type: InsuranceType): InsuranceFamily {
  return FAMILY[type];
}
