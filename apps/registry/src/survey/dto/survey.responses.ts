import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  CoverageStatuses,
  EvidenceTypes,
  HouseholdStatuses,
  SurveyCancellationCauses,
  SurveyOutcomes,
  SurveyTaskStatuses,
} from '@registry/domain';
import { BIRTH_DATE, BIRTH_YEAR } from '../../persons/dto/persons.responses';
import { FINDING_SCHEMA } from './survey.dto';

/**
 * Response shapes of the survey endpoints, for the OpenAPI document: what survey.service,
 * survey-batches and survey-progress return. Persons appear as IdentityDisclosure shows them.
 */

const MASKED_ID = {
  description: 'Masked citizen ID: first 6 and last 4 for callers with person:unmask, first 6 and last 2 for the others',
  example: '440305**********3X',
};
const COUNTS = { type: 'object', additionalProperties: { type: 'integer' } } as const;
const STATES = { enum: [...SurveyTaskStatuses.codes] };
const ANY_VALUE = { oneOf: [{ type: 'string' }, { type: 'number' }, { type: 'boolean' }], nullable: true };

export class SurveyBatchTaskDto {
  @ApiProperty({ example: 'st_0123456789abcdef01234567' })
  taskId: string;

  @ApiPropertyOptional()
  personId?: string;

  @ApiPropertyOptional({ description: 'An identity check’s household row (`importId:rowNumber`)' })
  recordRef?: string;

  @ApiPropertyOptional()
  surveyor?: string;

  @ApiPropertyOptional({ description: 'Household key shared by the tasks of one household' })
  household?: string;

  @ApiProperty({ enum: ['created', 'unchanged'], description: 'unchanged: an earlier sending of the same batch issued it' })
  status: string;
}

export class SurveyBatchSkipDto {
  @ApiPropertyOptional()
  personId?: string;

  @ApiPropertyOptional()
  recordRef?: string;

  @ApiProperty({
    description:
      'Why no task was issued: SURVEY_TASK_ALREADY_OPEN (a task in progress, named by taskId), SURVEY_TASK_ALREADY_ISSUED (another batch won the race), PERSON_NOT_FOUND, PERSON_NOT_IN_REGION, PERSON_NOT_SURVEYABLE, IDENTITY_CHECK_NOT_FOUND',
  })
  code: string;

  @ApiPropertyOptional()
  taskId?: string;
}

export class SurveyBatchOutcomeDto {
  @ApiProperty()
  batchId: string;

  @ApiProperty({ example: '440305001' })
  region: string;

  @ApiProperty()
  dueDate: string;

  @ApiProperty({ type: 'integer', description: 'Subjects the batch named (worklist: the persons and identity checks on it)' })
  requested: number;

  @ApiProperty({ type: 'integer', description: 'Tasks this request issued' })
  created: number;

  @ApiProperty({ type: 'integer', description: 'Tasks an earlier sending of the same batch issued' })
  unchanged: number;

  @ApiProperty({ type: [SurveyBatchTaskDto], description: 'The first 1,000 tasks; the rest by GET /v1/survey-tasks?batchId=' })
  tasks: SurveyBatchTaskDto[];

  @ApiProperty({ type: 'integer', description: 'Tasks left out of `tasks`' })
  tasksNotListed: number;

  @ApiProperty({ type: [SurveyBatchSkipDto] })
  skipped: SurveyBatchSkipDto[];
}

/** The subject of a task: a person as the registry holds them, or an identity check's household row. */
export class SurveySubjectDto {
  @ApiProperty({ enum: ['person', 'identity-check'] })
  kind: string;

  @ApiPropertyOptional()
  personId?: string;

  @ApiPropertyOptional({ description: 'Identity checks: the household row (`importId:rowNumber`)' })
  recordRef?: string;

  @ApiPropertyOptional(MASKED_ID)
  maskedCitizenId?: string;

  @ApiPropertyOptional()
  name?: string;

  @ApiPropertyOptional()
  gender?: string;

  @ApiPropertyOptional(BIRTH_DATE)
  birthDate?: string;

  @ApiPropertyOptional(BIRTH_YEAR)
  birthYear?: string;

  @ApiPropertyOptional({ type: 'string', nullable: true })
  householdRegion?: string | null;

  @ApiPropertyOptional()
  householdAddress?: string;

  @ApiPropertyOptional()
  phone?: string;

  @ApiPropertyOptional({ enum: HouseholdStatuses.codes })
  householdStatus?: string;

  @ApiPropertyOptional()
  deceased?: boolean;

  @ApiPropertyOptional({ enum: CoverageStatuses.codes })
  coverageStatus?: string;

  @ApiPropertyOptional({ type: [String], description: 'Identity checks: why the row has no usable ID' })
  reasons?: string[];

  @ApiPropertyOptional({
    type: 'integer',
    description: 'Task view: the person’s stream revision now (send it as personRevision to approve)',
  })
  revision?: number;
}

export class SurveyTaskListItemDto {
  @ApiProperty()
  taskId: string;

  @ApiProperty({ type: 'integer' })
  revision: number;

  @ApiProperty(STATES)
  state: string;

  @ApiProperty({ type: 'integer' })
  round: number;

  @ApiProperty({ example: '440305001' })
  region: string;

  @ApiPropertyOptional()
  household?: string;

  @ApiPropertyOptional()
  surveyor?: string;

  @ApiProperty()
  dueDate: string;

  @ApiProperty({ description: 'Still waiting for its visit after the due date' })
  overdue: boolean;

  @ApiPropertyOptional({ enum: SurveyOutcomes.codes, description: 'The outcome waiting for review, or approved' })
  outcome?: string;

  @ApiPropertyOptional({ enum: SurveyCancellationCauses.codes })
  cancellation?: string;

  @ApiPropertyOptional({
    description: 'While an approval holds its claim on the result (state `submitted`): the reviewer whose approval it is',
  })
  approvalStartedBy?: string;

  @ApiProperty()
  issuedAt: string;

  @ApiProperty()
  updatedAt: string;

  @ApiProperty({ type: SurveySubjectDto })
  subject: SurveySubjectDto;
}

export class SurveyTaskListPageDto {
  @ApiProperty({ example: '440305001' })
  region: string;

  @ApiProperty({ type: [SurveyTaskListItemDto] })
  items: SurveyTaskListItemDto[];

  @ApiPropertyOptional({ description: 'Pass as `cursor` for the next page; absent on the last page' })
  nextCursor?: string;
}

export class SurveyEvidenceDto {
  @ApiProperty()
  documentId: string;

  @ApiProperty({ enum: EvidenceTypes.codes })
  type: string;

  @ApiProperty({ description: 'Lower-case hex' })
  sha256: string;
}

export class SurveyResultViewDto {
  @ApiProperty()
  resultId: string;

  @ApiProperty()
  surveyor: string;

  @ApiProperty()
  visitedAt: string;

  @ApiProperty()
  receivedAt: string;

  @ApiProperty({ ...FINDING_SCHEMA })
  finding: Record<string, unknown>;

  @ApiProperty({ type: [SurveyEvidenceDto] })
  evidence: SurveyEvidenceDto[];

  @ApiProperty({
    enum: ['pending-review', 'returned', 'approved', 'not-reviewed', 'set-aside'],
    description: 'not-reviewed: the task was cancelled while it waited; set-aside: it arrived when it could no longer be the task’s result',
  })
  status: string;

  @ApiPropertyOptional({ enum: ['task-final', 'reassigned'] })
  setAside?: string;

  @ApiPropertyOptional()
  note?: string;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: { type: 'string' },
    description: 'Identity values the surveyor found wrong',
  })
  corrections?: Record<string, string>;

  @ApiPropertyOptional({ ...MASKED_ID, description: 'Identity checks: the citizen ID established, masked' })
  maskedCitizenId?: string;
}

export class SurveyAssignmentViewDto {
  @ApiProperty()
  surveyor: string;

  @ApiProperty()
  assignedBy: string;

  @ApiProperty()
  at: string;

  @ApiProperty()
  dueDate: string;
}

export class SurveyReturnViewDto {
  @ApiProperty()
  resultId: string;

  @ApiProperty()
  returnedBy: string;

  @ApiProperty()
  at: string;

  @ApiProperty({ description: 'The reviewer’s reason, as the surveyor sees it' })
  reason: string;
}

export class SurveyApprovalViewDto {
  @ApiProperty()
  resultId: string;

  @ApiProperty()
  approvedBy: string;

  @ApiProperty({ enum: SurveyOutcomes.codes })
  outcome: string;

  @ApiProperty()
  at: string;
}

export class SurveyApprovalClaimViewDto {
  @ApiProperty()
  resultId: string;

  @ApiProperty({ description: 'The reviewer whose approval claimed the result' })
  approvedBy: string;

  @ApiProperty({ format: 'date-time' })
  at: string;
}

export class SurveyApprovalRefusalViewDto {
  @ApiProperty()
  resultId: string;

  @ApiProperty({ description: 'The code the person’s commands were refused with', example: 'PERSON_DECEASED' })
  code: string;

  @ApiProperty({ description: 'The reviewer whose approval it was' })
  releasedBy: string;

  @ApiProperty({ format: 'date-time' })
  at: string;
}

export class SurveyPersonEventRefDto {
  @ApiProperty()
  id: string;

  @ApiProperty()
  type: string;

  @ApiProperty({ type: 'integer' })
  revision: number;
}

export class SurveyCancellationViewDto {
  @ApiProperty({ enum: SurveyCancellationCauses.codes })
  cause: string;

  @ApiProperty({ description: 'An operator, or `registry` when the person’s change cancelled it' })
  cancelledBy: string;

  @ApiProperty()
  at: string;

  @ApiPropertyOptional({ type: SurveyPersonEventRefDto, description: 'The person event that made the visit pointless' })
  personEvent?: SurveyPersonEventRefDto;

  @ApiPropertyOptional({ description: 'An operator’s reason' })
  reason?: string;
}

export class SurveyPersonChangeEventDto {
  @ApiProperty({ type: 'integer' })
  revision: number;

  @ApiProperty()
  type: string;

  @ApiPropertyOptional()
  source?: string;

  @ApiPropertyOptional()
  channel?: string;

  @ApiProperty()
  occurredAt: string;

  @ApiProperty()
  recordedAt: string;

  @ApiPropertyOptional({ description: 'Set when the event came from a survey approval' })
  surveyTaskId?: string;
}

export class SurveyFactChangeDto {
  @ApiProperty({ example: 'householdAddress' })
  field: string;

  @ApiPropertyOptional(ANY_VALUE)
  before?: unknown;

  @ApiPropertyOptional(ANY_VALUE)
  after?: unknown;
}

export class SurveyPersonChangesDto {
  @ApiProperty({ description: 'A compared fact differs: approving then needs the personRevision the reviewer saw' })
  changed: boolean;

  @ApiProperty({ type: 'integer' })
  revisionAtIssue: number;

  @ApiProperty({ type: 'integer' })
  revisionNow: number;

  @ApiProperty({ type: [SurveyPersonChangeEventDto], description: 'Every event recorded on the person since the issue' })
  events: SurveyPersonChangeEventDto[];

  @ApiProperty({ type: [SurveyFactChangeDto], description: 'Each compared fact that differs, before and after' })
  changes: SurveyFactChangeDto[];
}

export class SurveyBasisDto {
  @ApiPropertyOptional({ type: 'integer' })
  personRevision?: number;

  @ApiPropertyOptional({ enum: CoverageStatuses.codes })
  coverageStatus?: string;
}

export class SurveyTaskViewDto {
  @ApiProperty()
  taskId: string;

  @ApiProperty({ type: 'integer', description: 'Task stream revision; the ETag' })
  revision: number;

  @ApiProperty(STATES)
  state: string;

  @ApiProperty({ type: 'integer', description: 'The subject’s survey round (a new task only once the last is approved or cancelled)' })
  round: number;

  @ApiProperty()
  region: string;

  @ApiPropertyOptional()
  household?: string;

  @ApiProperty()
  batchId: string;

  @ApiProperty({ enum: ['worklist', 'list'] })
  origin: string;

  @ApiProperty()
  dueDate: string;

  @ApiProperty()
  overdue: boolean;

  @ApiProperty()
  issuedAt: string;

  @ApiProperty()
  issuedBy: string;

  @ApiProperty({ type: SurveyBasisDto, description: 'What the registry held when the task was issued' })
  basis: SurveyBasisDto;

  @ApiPropertyOptional()
  surveyor?: string;

  @ApiProperty({ type: [SurveyAssignmentViewDto], description: 'Every assignment, the reassignment history' })
  assignments: SurveyAssignmentViewDto[];

  @ApiProperty({ type: SurveySubjectDto })
  subject: SurveySubjectDto;

  @ApiProperty({ type: [SurveyResultViewDto] })
  results: SurveyResultViewDto[];

  @ApiProperty({ type: [SurveyReturnViewDto] })
  returns: SurveyReturnViewDto[];

  @ApiPropertyOptional({
    type: SurveyApprovalClaimViewDto,
    description:
      'An approval under way (the state stays `submitted`): returns and cancellations are refused with `SURVEY_APPROVAL_IN_PROGRESS`; one an interrupted approval left is completed by approving again',
  })
  approvalInProgress?: SurveyApprovalClaimViewDto;

  @ApiPropertyOptional({
    type: SurveyApprovalRefusalViewDto,
    description: 'The last approval whose person commands were refused: its claim was released and the result waits for review again',
  })
  approvalRefusal?: SurveyApprovalRefusalViewDto;

  @ApiPropertyOptional({ type: SurveyApprovalViewDto })
  approval?: SurveyApprovalViewDto;

  @ApiPropertyOptional({ type: SurveyCancellationViewDto })
  cancellation?: SurveyCancellationViewDto;

  @ApiPropertyOptional({ type: SurveyPersonChangesDto, description: 'Person tasks: what changed about the person since the issue' })
  personChangedSinceIssue?: SurveyPersonChangesDto;
}

export class SurveyTaskCommandDto {
  @ApiProperty()
  taskId: string;

  @ApiProperty({ type: 'integer', description: 'Task stream revision after the command; the ETag' })
  revision: number;

  @ApiProperty(STATES)
  state: string;

  @ApiProperty({
    type: [String],
    description: 'Event types this request recorded; empty when it was a repeat',
    example: ['SurveyTaskAssigned'],
  })
  recorded: string[];
}

export class SurveyResultAnswerDto extends SurveyTaskCommandDto {
  @ApiProperty()
  resultId: string;

  @ApiProperty({
    enum: ['pending-review', 'set-aside', 'already-received'],
    description: 'set-aside: kept beside a task that was final or reassigned meanwhile; already-received: the same resultId came before',
  })
  result: string;
}

export class SurveyApprovalAnswerDto extends SurveyTaskCommandDto {
  @ApiProperty({
    type: [String],
    description: "Types of the person events the approval recorded on the person's stream",
    example: ['DeathRecorded'],
  })
  personEvents: string[];
}

export class SurveyProgressTasksDto {
  @ApiProperty({ type: 'integer' })
  total: number;

  @ApiProperty({ ...COUNTS, description: 'Tasks by state' })
  byState: Record<string, number>;

  @ApiProperty({ type: 'integer', description: 'Waiting for their visit after the due date (as of `asOf`)' })
  overdue: number;

  @ApiProperty({ ...COUNTS, description: 'Approved results by outcome' })
  outcomes: Record<string, number>;

  @ApiProperty({ ...COUNTS, description: 'Results waiting for review by outcome' })
  awaitingReview: Record<string, number>;

  @ApiProperty({ ...COUNTS, description: 'Cancelled tasks by cause' })
  cancellations: Record<string, number>;
}

export class SurveyProgressWorklistDto {
  @ApiProperty({ type: 'integer', description: 'Uninsured and unresolved persons now' })
  persons: number;

  @ApiProperty({ type: 'integer', description: 'Of them, with a task that was not cancelled' })
  withTask: number;

  @ApiProperty({ type: 'integer' })
  withoutTask: number;

  @ApiProperty({ type: 'integer', description: 'Identity checks (household rows nobody could be found for)' })
  identityChecks: number;

  @ApiProperty({ type: 'integer' })
  identityChecksWithoutTask: number;
}

export class SurveyProgressCoverageDto {
  @ApiProperty({ type: 'number', nullable: true, description: 'The coverage rate now (as GET /v1/reports/region-counts)' })
  rate: number | null;

  @ApiProperty({ type: 'number', nullable: true, description: 'The rate had the approved results moved nobody' })
  rateWithoutSurvey: number | null;

  @ApiProperty({ type: 'number', nullable: true, description: 'rate − rateWithoutSurvey' })
  change: number | null;

  @ApiProperty({ type: 'integer', description: 'Persons an approved result covered (an enrolment here or elsewhere)' })
  personsCovered: number;

  @ApiProperty({
    type: 'integer',
    description: 'Persons an approved result exempted (death, military service, prison, a move out of the province)',
  })
  personsExempted: number;

  @ApiProperty({ type: 'integer', description: 'Persons an approved move took out of this region, within the province' })
  personsMovedOut: number;
}

export class SurveyProgressViewDto {
  @ApiProperty({ example: '440305' })
  region: string;

  @ApiPropertyOptional({ example: '南山区' })
  name?: string;

  @ApiProperty()
  level: string;

  @ApiProperty({ type: SurveyProgressTasksDto })
  tasks: SurveyProgressTasksDto;

  @ApiProperty({ type: SurveyProgressWorklistDto })
  worklist: SurveyProgressWorklistDto;

  @ApiProperty({ type: SurveyProgressCoverageDto })
  coverage: SurveyProgressCoverageDto;
}

export class SurveyProgressDto extends SurveyProgressViewDto {
  @ApiProperty({ description: 'The day overdue counts are judged on' })
  asOf: string;

  @ApiProperty({ type: [SurveyProgressViewDto], description: 'Each region one level below (none below townships)' })
  children: SurveyProgressViewDto[];
}
