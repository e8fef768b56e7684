import { defineCodeTable } from './code-table';

/**
 * 户籍状态. Codes are kebab-case English words rather than numbers because no national
 * code list for these exists in public; they are stable once stored in events.
 */
export const HouseholdStatuses = defineCodeTable({
  active: { nameZh: '正常', nameEn: 'active' },
  'moved-out': { nameZh: '迁出省外', nameEn: 'moved out of the province' },
  cancelled: { nameZh: '注销', nameEn: 'cancelled' },
});
export type HouseholdStatus = (typeof HouseholdStatuses.codes)[number];
export const isHouseholdStatus = HouseholdStatuses.is;

/** 户籍注销原因. */
export const HouseholdCancellationReasons = defineCodeTable({
  death: { nameZh: '死亡', nameEn: 'death' },
  emigration: { nameZh: '出国(境)定居', nameEn: 'emigration' },
  'military-service': { nameZh: '服兵役', nameEn: 'military service' },
  other: { nameZh: '其他', nameEn: 'other' },
});
export type HouseholdCancellationReason = (typeof HouseholdCancellationReasons.codes)[number];
export const isHouseholdCancellationReason = HouseholdCancellationReasons.is;
