import { defineCodeTable } from '../codes/code-table';

/**
 * What a surveyor found at the household (调查结果). Each outcome says what an approval does
 * to the person (see surveyPersonCommands in the application and the README's table).
 */
export const SurveyOutcomes = defineCodeTable({
  'enrolled-now': { nameZh: '已现场参保', nameEn: 'enrolled now (insurance type and where)' },
  'insured-elsewhere': { nameZh: '外省参保', nameEn: 'insured in another province' },
  deceased: { nameZh: '已死亡', nameEn: 'deceased' },
  'moved-away': { nameZh: '户籍迁出', nameEn: 'moved away (within or out of the province)' },
  'military-service': { nameZh: '服兵役', nameEn: 'in military service' },
  imprisoned: { nameZh: '服刑', nameEn: 'imprisoned' },
  'studying-or-working-elsewhere': { nameZh: '外出就学或务工', nameEn: 'studying or working elsewhere' },
  refused: { nameZh: '拒绝参保', nameEn: 'refused to enrol' },
  'not-found': { nameZh: '多次走访未见', nameEn: 'not found after the required visits' },
  identified: { nameZh: '身份已核实', nameEn: 'identity established (identity-check tasks)' },
  other: { nameZh: '其他', nameEn: 'other, with a note' },
});
export type SurveyOutcome = (typeof SurveyOutcomes.codes)[number];
export const isSurveyOutcome = SurveyOutcomes.is;

/** Outcomes that need the person's (or row's) kind of subject. */
export const PERSON_OUTCOMES: readonly SurveyOutcome[] = SurveyOutcomes.codes.filter((o) => o !== 'identified');
export const IDENTITY_CHECK_OUTCOMES: readonly SurveyOutcome[] = ['identified', 'moved-away', 'deceased', 'not-found', 'refused', 'other'];

/** The life of a task (任务状态). approved and cancelled are final. */
export const SurveyTaskStatuses = defineCodeTable({
  open: { nameZh: '待分派', nameEn: 'open (issued, nobody assigned)' },
  assigned: { nameZh: '已分派', nameEn: 'assigned to a surveyor' },
  submitted: { nameZh: '待审核', nameEn: 'result submitted, waiting for review' },
  returned: { nameZh: '已退回', nameEn: 'result returned to the surveyor' },
  approved: { nameZh: '已审核', nameEn: 'result approved' },
  cancelled: { nameZh: '已撤销', nameEn: 'cancelled' },
});
export type SurveyTaskStatus = (typeof SurveyTaskStatuses.codes)[number];
export const isSurveyTaskStatus = SurveyTaskStatuses.is;

export const FINAL_TASK_STATUSES: readonly SurveyTaskStatus[] = ['approved', 'cancelled'];
/** States in which a task waits for a visit: the ones that can be overdue, and that a person's change cancels. */
export const VISIT_PENDING_STATUSES: readonly SurveyTaskStatus[] = ['open', 'assigned', 'returned'];

export function isFinalTaskStatus(status: SurveyTaskStatus): boolean {
  return status === 'approved' || status === 'cancelled';
}

/** Why a task was cancelled: by an operator, or by the registry when the person changed before the visit. */
export const SurveyCancellationCauses = defineCodeTable({
  operator: { nameZh: '经办人员撤销', nameEn: 'cancelled by an operator (reason kept)' },
  'person-enrolled': { nameZh: '已参保', nameEn: 'the person enrolled before the visit' },
  'person-deceased': { nameZh: '已死亡', nameEn: 'the person was recorded deceased before the visit' },
  'person-moved': { nameZh: '户籍迁出', nameEn: "the person's household moved out of the township before the visit" },
  'household-cancelled': { nameZh: '户籍注销', nameEn: "the person's household registration was cancelled before the visit" },
});
export type SurveyCancellationCause = (typeof SurveyCancellationCauses.codes)[number];

/** Kinds of evidence a result may refer to (the documents themselves are kept elsewhere). */
export const EvidenceTypes = defineCodeTable({
  photo: { nameZh: '现场照片', nameEn: 'photo taken at the visit' },
  'signed-statement': { nameZh: '签字确认书', nameEn: 'statement signed by the person or household' },
  'household-register': { nameZh: '户口簿', nameEn: 'household register page' },
  'identity-document': { nameZh: '身份证件', nameEn: 'identity document' },
  'death-certificate': { nameZh: '死亡证明', nameEn: 'death certificate' },
  'enrollment-receipt': { nameZh: '参保凭证', nameEn: 'enrolment receipt' },
  'other-province-proof': { nameZh: '外省参保证明', nameEn: 'proof of insurance in another province' },
  'official-letter': { nameZh: '单位或机关证明', nameEn: 'letter from an employer, school, prison or military unit' },
  other: { nameZh: '其他材料', nameEn: 'other document' },
});
export type EvidenceType = (typeof EvidenceTypes.codes)[number];

/** Visits on different days before "not found" may be reported (the procedure asks for repeated visits). */
export const REQUIRED_VISITS = 3;
