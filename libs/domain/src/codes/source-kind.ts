import { defineCodeTable } from './code-table';

/** Where a fact came from; every event names one. */
export const SourceKinds = defineCodeTable({
  'household-registration': { nameZh: '公安户籍', nameEn: 'public security household registration' },
  'insurance-enrollment': { nameZh: '社保业务系统', nameEn: 'social-insurance business systems' },
  'card-library': { nameZh: '社保卡库', nameEn: 'social security card library' },
  health: { nameZh: '卫健', nameEn: 'health and family planning' },
  'civil-affairs': { nameZh: '民政', nameEn: 'civil affairs' },
  disability: { nameZh: '残联', nameEn: "disabled persons' federation" },
  ministry: { nameZh: '部级比对查询系统', nameEn: 'ministry comparison inquiry system' },
  operator: { nameZh: '经办人员', nameEn: 'operator' },
  'self-service': { nameZh: '自助登记', nameEn: 'self-service registration' },
  comparison: { nameZh: '信息比对', nameEn: 'information comparison run' },
  survey: { nameZh: '入户调查', nameEn: 'household survey (an approved result)' },
});
export type SourceKind = (typeof SourceKinds.codes)[number];
export const isSourceKind = SourceKinds.is;

/**
 * Channels where a person types the command and can fix it: their mistakes are
 * rejected. Everything else is a department's fact, recorded even when it contradicts.
 * A survey result reaches the person only through a reviewer's approval, and a reviewer
 * who meets a refusal can return the result to the surveyor: interactive too.
 */
export function isInteractiveSource(source: SourceKind): boolean {
  return source === 'operator' || source === 'self-service' || source === 'survey';
}
