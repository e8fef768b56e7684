import { defineCodeTable } from './code-table';

/** Outcome of the comparison for one household-registered person (参保状态). */
export const CoverageStatuses = defineCodeTable({
  'insured-local': { nameZh: '本省参保', nameEn: 'insured in this province' },
  'insured-elsewhere': { nameZh: '外省参保', nameEn: 'insured in another province' },
  uninsured: { nameZh: '未参保', nameEn: 'uninsured' },
  exempt: { nameZh: '免于参保', nameEn: 'exempt' },
  unresolved: { nameZh: '待核实', nameEn: 'unresolved' },
});
export type CoverageStatus = (typeof CoverageStatuses.codes)[number];
export const isCoverageStatus = CoverageStatuses.is;

/** Why an `exempt` person is not expected to be insured. */
export const ExemptionReasons = defineCodeTable({
  deceased: { nameZh: '死亡', nameEn: 'deceased' },
  'household-cancelled': { nameZh: '户籍注销', nameEn: 'household registration cancelled' },
  'military-service': { nameZh: '服兵役', nameEn: 'in military service' },
  imprisoned: { nameZh: '服刑', nameEn: 'imprisoned' },
  'under-age': { nameZh: '未达参保年龄', nameEn: 'under the age at which the type applies' },
});
export type ExemptionReason = (typeof ExemptionReasons.codes)[number];
export const isExemptionReason = ExemptionReasons.is;

/**
 * Exemptions recorded as facts of their own (a household survey finds a person in prison or
 * serving in the military with the household still registered). The others follow from
 * other facts: a death, a household cancellation, the person's age.
 */
export const RECORDED_EXEMPTION_REASONS = ['imprisoned', 'military-service'] as const;
export type RecordedExemptionReason = (typeof RECORDED_EXEMPTION_REASONS)[number];
export function isRecordedExemptionReason(value: unknown): value is RecordedExemptionReason {
  return typeof value === 'string' && (RECORDED_EXEMPTION_REASONS as readonly string[]).includes(value);
}
