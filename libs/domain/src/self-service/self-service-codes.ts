import { defineCodeTable } from '../codes/code-table';

/** Where a citizen registers themselves (自助登记渠道); every self-service event records one. */
export const SelfServiceChannels = defineCodeTable({
  hall: { nameZh: '经办大厅', nameEn: 'service hall counter client' },
  website: { nameZh: '网上办事大厅', nameEn: 'website' },
  terminal: { nameZh: '自助终端', nameEn: 'self-service terminal' },
  mobile: { nameZh: '手机APP', nameEn: 'mobile app' },
});
export type SelfServiceChannel = (typeof SelfServiceChannels.codes)[number];
export const isSelfServiceChannel = SelfServiceChannels.is;

/** What the citizen says they do for a living (就业情况): it decides which insurance types fit. */
export const EmploymentSituations = defineCodeTable({
  employed: { nameZh: '单位就业', nameEn: 'employed by an employer' },
  'self-employed': { nameZh: '个体经营', nameEn: 'self-employed' },
  flexible: { nameZh: '灵活就业', nameEn: 'flexible employment' },
  farmer: { nameZh: '务农', nameEn: 'farming' },
  unemployed: { nameZh: '失业或无业', nameEn: 'unemployed' },
  student: { nameZh: '在校学生', nameEn: 'student' },
  retired: { nameZh: '退休', nameEn: 'retired' },
  other: { nameZh: '其他', nameEn: 'other' },
});
export type EmploymentSituation = (typeof EmploymentSituations.codes)[number];
export const isEmploymentSituation = EmploymentSituations.is;

/** Why a citizen is not insured yet (未参保原因), when they say they are not. */
export const UninsuredReasons = defineCodeTable({
  unaware: { nameZh: '不了解参保政策', nameEn: 'did not know about the insurance' },
  'cannot-afford': { nameZh: '缴费困难', nameEn: 'cannot afford the contributions' },
  'recently-moved': { nameZh: '新迁入', nameEn: 'moved here recently' },
  'employer-did-not-enrol': { nameZh: '单位未参保', nameEn: 'the employer did not enrol them' },
  'not-needed': { nameZh: '认为无需参保', nameEn: 'thinks they do not need it' },
  other: { nameZh: '其他', nameEn: 'other (a note may say more)' },
});
export type UninsuredReason = (typeof UninsuredReasons.codes)[number];
export const isUninsuredReason = UninsuredReasons.is;

/**
 * The states of a submission in the review queue (办理状态). `approving` is an approval's claim
 * while it records the person's commands; the citizen's status query shows it as `pending`.
 */
export const SubmissionStates = defineCodeTable({
  pending: { nameZh: '待审核', nameEn: 'waiting for the county to review it' },
  approving: { nameZh: '审批中', nameEn: 'an approval is recording the registration (a retried approval completes it)' },
  approved: { nameZh: '已通过', nameEn: 'approved and recorded' },
  rejected: { nameZh: '未通过', nameEn: 'rejected, with a reason' },
});
export type SubmissionStatus = (typeof SubmissionStates.codes)[number];

/** Why a phone code is asked for: the proof it gives is only accepted for that purpose. */
export const VerificationPurposes = defineCodeTable({
  registration: { nameZh: '自助登记', nameEn: 'a self-service registration' },
  'status-query': { nameZh: '进度查询', nameEn: 'a status query' },
});
export type VerificationPurpose = (typeof VerificationPurposes.codes)[number];
export const isVerificationPurpose = VerificationPurposes.is;

/**
 * A mainland mobile number (the only kind an SMS reaches) in its 11-digit form: spaces and
 * dashes dropped, a +86 / 0086 prefix removed. Undefined when it is not one.
 */
export function normaliseMobilePhone(raw: string): string | undefined {
  const compact = raw.replace(/[\s-]/g, '').replace(/^(\+86|0086)/, '');
  return /^1[3-9]\d{9}$/.test(compact) ? compact : undefined;
}
