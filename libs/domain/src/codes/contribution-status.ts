import { defineCodeTable } from './code-table';

/** 缴费状态 (indicator AAC031). */
export const ContributionStatuses = defineCodeTable({
  '1': { nameZh: '参保缴费', nameEn: 'contributing' },
  '2': { nameZh: '暂停缴费', nameEn: 'suspended' },
  '3': { nameZh: '终止参保', nameEn: 'terminated' },
});
export type ContributionStatus = (typeof ContributionStatuses.codes)[number];
export const isContributionStatus = ContributionStatuses.is;
