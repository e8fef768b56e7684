import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsISO8601,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  Length,
  Matches,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { EvidenceTypes, InsuranceTypes, SurveyTaskStatuses } from '@registry/domain';
import { apiPattern } from '../../common/api-responses';
import { DATE, OCCURRED_AT_DOC, PHONE } from '../../persons/dto/registration.dto';

const PRINTABLE = /^[\x21-\x7e]+$/;
const PERSON_ID = /^p_[a-z2-7]{26}$/;
const RECORD_REF = /^imp_[0-9a-f]{24}:\d{1,9}$/;
const REGION = /^(\d{2}|\d{4}|\d{6}|\d{9})$/;
const HOUSEHOLD = /^hh_[0-9a-f]{16}$/;
const LIMIT = /^\d{1,3}$/;
const STATES = new RegExp(`^(${SurveyTaskStatuses.codes.join('|')})(,(${SurveyTaskStatuses.codes.join('|')}))*$`);
/** Persons a list batch may name: its body stays within the default BODY_LIMIT. Larger lists go by worklist. */
export const MAX_LIST_SUBJECTS = 5000;

const ID_DOC = { minLength: 1, maxLength: 128, pattern: apiPattern(PRINTABLE) };
const DATE_DOC = { pattern: apiPattern(DATE), example: '2025-06-30' };
const REGION_DOC = { pattern: apiPattern(REGION) };
export const SURVEY_TASK_ID_PATTERN = '^st_[0-9a-f]{24}$';

export class SurveyBatchDto {
  @ApiProperty({
    description: "The client's id for this batch: sending the same batch again issues nothing new",
    example: 'nantou-2025-q2',
    ...ID_DOC,
  })
  @IsString()
  @Length(1, 128)
  @Matches(PRINTABLE, { message: 'batchId must be printable ASCII without spaces' })
  batchId: string;

  @ApiProperty({ description: 'The township (9 digits) the tasks belong to', example: '440305001', ...REGION_DOC })
  @Matches(REGION, { message: 'region must be a 9-digit township code' })
  region: string;

  @ApiProperty({ description: 'When the visits are due (YYYY-MM-DD, today or later)', ...DATE_DOC })
  @Matches(DATE, { message: 'dueDate must be YYYY-MM-DD' })
  dueDate: string;

  @ApiProperty({
    enum: ['worklist', 'list'],
    description:
      "worklist: every uninsured and unresolved person of the township's survey worklist; list: the persons (and households) named",
  })
  @IsIn(['worklist', 'list'])
  from: 'worklist' | 'list';

  @ApiPropertyOptional({ description: "worklist: the township's identity checks as well (household rows nobody could be found for)" })
  @IsOptional()
  @IsBoolean()
  includeIdentityChecks?: boolean;

  @ApiPropertyOptional({
    description: `list: person ids, one task each (at most ${MAX_LIST_SUBJECTS} subjects in all)`,
    type: 'array',
    items: { type: 'string', pattern: apiPattern(PERSON_ID) },
    maxItems: MAX_LIST_SUBJECTS,
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(MAX_LIST_SUBJECTS)
  @Matches(PERSON_ID, { each: true, message: 'personIds must be person ids' })
  personIds?: string[];

  @ApiPropertyOptional({
    description: 'list: households, each 1 to 30 person ids visited together: one task per member, sharing a household key and a surveyor',
    type: 'array',
    items: { type: 'array', items: { type: 'string', pattern: apiPattern(PERSON_ID) }, minItems: 1, maxItems: 30 },
    maxItems: MAX_LIST_SUBJECTS,
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(MAX_LIST_SUBJECTS)
  households?: string[][];

  @ApiPropertyOptional({
    description: 'list: identity checks (recordRef of the household row) to visit',
    type: 'array',
    items: { type: 'string', pattern: apiPattern(RECORD_REF) },
    maxItems: MAX_LIST_SUBJECTS,
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(MAX_LIST_SUBJECTS)
  @Matches(RECORD_REF, { each: true, message: 'identityChecks must be identity-check record references' })
  identityChecks?: string[];

  @ApiPropertyOptional({
    description:
      "Staff ids of the township's surveyors: the tasks are shared among them at once, neighbouring villages (and a household) to one surveyor",
    type: 'array',
    items: { type: 'string', ...ID_DOC },
    minItems: 1,
    maxItems: 500,
  })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(500)
  @Matches(PRINTABLE, { each: true, message: 'surveyors must be staff ids' })
  @MaxLength(128, { each: true })
  surveyors?: string[];
}

export class SurveyTaskListQueryDto {
  @ApiPropertyOptional({ description: 'Region and below (default: the caller’s region)', ...REGION_DOC })
  @IsOptional()
  @Matches(REGION, { message: 'region must be a 2, 4, 6 or 9 digit division code' })
  region?: string;

  @ApiPropertyOptional({ description: `Comma-separated states: ${SurveyTaskStatuses.codes.join(', ')}`, pattern: STATES.source })
  @IsOptional()
  @Matches(STATES, { message: `state must be one or more of ${SurveyTaskStatuses.codes.join(', ')}, comma-separated` })
  state?: string;

  @ApiPropertyOptional({ description: "A surveyor's staff id (a surveyor sees only its own tasks)", ...ID_DOC })
  @IsOptional()
  @IsString()
  @Length(1, 128)
  @Matches(PRINTABLE, { message: 'surveyor must be a staff id' })
  surveyor?: string;

  @ApiPropertyOptional({ enum: ['true'], description: 'Only tasks still waiting for their visit after the due date' })
  @IsOptional()
  @IsIn(['true'])
  overdue?: string;

  @ApiPropertyOptional({ description: 'The tasks one batch issued (its batchId)', ...ID_DOC })
  @IsOptional()
  @IsString()
  @Length(1, 128)
  @Matches(PRINTABLE, { message: 'batchId must be printable ASCII without spaces' })
  batchId?: string;

  @ApiPropertyOptional({ description: 'A household key: the tasks of one household', pattern: apiPattern(HOUSEHOLD) })
  @IsOptional()
  @Matches(HOUSEHOLD, { message: 'household must be a household key' })
  household?: string;

  @ApiPropertyOptional({ description: 'Page size (1-200, default 50)', pattern: apiPattern(LIMIT) })
  @IsOptional()
  @Matches(LIMIT, { message: 'limit must be a whole number from 1 to 200' })
  limit?: string;

  @ApiPropertyOptional({ description: 'The previous page’s nextCursor', maxLength: 2048 })
  @IsOptional()
  @IsString()
  @MaxLength(2048)
  cursor?: string;
}

export class SurveyAssignmentDto {
  @ApiProperty({ description: "The surveyor's staff id (the `sub` of their token)", example: 'surveyor-0301', ...ID_DOC })
  @IsString()
  @Length(1, 128)
  @Matches(PRINTABLE, { message: 'surveyor must be a staff id' })
  surveyor: string;

  @ApiPropertyOptional({ description: 'A new due date (YYYY-MM-DD, today or later)', ...DATE_DOC })
  @IsOptional()
  @Matches(DATE, { message: 'dueDate must be YYYY-MM-DD' })
  dueDate?: string;
}

export class EvidenceDto {
  @ApiProperty({ description: 'The document’s id in the store that keeps it', example: 'oss://survey/2025/03/5f2c.jpg', ...ID_DOC })
  @IsString()
  @Length(1, 128)
  @Matches(PRINTABLE, { message: 'documentId must be printable ASCII without spaces' })
  documentId: string;

  @ApiProperty({ enum: EvidenceTypes.codes })
  @IsIn(EvidenceTypes.codes)
  type: string;

  @ApiProperty({ description: 'SHA-256 of the file, 64 hex digits', pattern: '^[0-9a-fA-F]{64}$' })
  @Matches(/^[0-9a-fA-F]{64}$/, { message: 'sha256 must be 64 hex digits' })
  sha256: string;
}

/** Identity values a result may say are wrong, as they should read. */
export class SurveyCorrectionsDto {
  @ApiPropertyOptional({ minLength: 1, maxLength: 64 }) @IsOptional() @IsString() @Length(1, 64) name?: string;
  @ApiPropertyOptional({ enum: ['0', '1', '2', '9'] }) @IsOptional() @IsIn(['0', '1', '2', '9']) gender?: string;
  @ApiPropertyOptional(DATE_DOC) @IsOptional() @Matches(DATE, { message: 'birthDate must be YYYY-MM-DD' }) birthDate?: string;
  @ApiPropertyOptional({ pattern: apiPattern(PHONE) })
  @IsOptional()
  @Matches(PHONE, { message: 'phone must be 5-20 digits, spaces, + or -' })
  phone?: string;
  @ApiPropertyOptional({ minLength: 1, maxLength: 256 }) @IsOptional() @IsString() @Length(1, 256) householdAddress?: string;
}

const date = { type: 'string', pattern: apiPattern(DATE) };
const closed = (outcome: string, properties: Record<string, object> = {}, required: string[] = []) => ({
  type: 'object',
  title: outcome,
  properties: { outcome: { type: 'string', enum: [outcome] }, ...properties },
  required: ['outcome', ...required],
  additionalProperties: false,
});
const enrollments = (where: Record<string, object>) => ({
  type: 'array',
  minItems: 1,
  maxItems: 8,
  items: {
    type: 'object',
    properties: { insuranceType: { type: 'string', enum: [...InsuranceTypes.codes] }, since: date, ...where },
    required: ['insuranceType', 'since', ...Object.keys(where)],
    additionalProperties: false,
  },
});

/** Each outcome with the facts it needs (README, "Survey outcomes"); checked by the survey decider. */
export const FINDING_SCHEMA = {
  oneOf: [
    closed('enrolled-now', { enrollments: enrollments({ region: { type: 'string', pattern: '^[0-9]{6}([0-9]{3}){0,2}$' } }) }, [
      'enrollments',
    ]),
    closed('insured-elsewhere', { enrollments: enrollments({ provinceCode: { type: 'string', pattern: '^[0-9]{2}$' } }) }, ['enrollments']),
    closed('deceased', { dateOfDeath: date }, ['dateOfDeath']),
    closed(
      'moved-away',
      {
        destination: {
          type: 'object',
          properties: {
            scope: { type: 'string', enum: ['within-province', 'out-of-province'] },
            toRegion: { type: 'string', pattern: '^[0-9]{6}([0-9]{3}){0,2}$' },
            toProvince: { type: 'string', pattern: '^[0-9]{2}$' },
          },
          required: ['scope'],
          additionalProperties: false,
        },
      },
      ['destination'],
    ),
    closed('military-service', { since: date }, ['since']),
    closed('imprisoned', { since: date, until: date }, ['since']),
    closed('studying-or-working-elsewhere', { region: { type: 'string' }, provinceCode: { type: 'string', pattern: '^[0-9]{2}$' } }),
    closed('refused'),
    closed('not-found', { visitDates: { type: 'array', items: date, minItems: 3, maxItems: 31 } }, ['visitDates']),
    closed('identified'),
    closed('other'),
  ],
};

export class SurveyResultDto {
  @ApiProperty({
    description: "The survey client's own id for this result (a UUID): sending it again changes nothing",
    example: '0b6f6f3e-4c55-4c3a-9d1f-2d7a1f0b9e21',
    ...ID_DOC,
  })
  @IsString()
  @Length(1, 128)
  @Matches(PRINTABLE, { message: 'resultId must be printable ASCII without spaces' })
  resultId: string;

  @ApiProperty({
    description: 'When the surveyor was at the household (ISO 8601 with offset)',
    example: '2025-03-05T10:30:00+08:00',
    ...OCCURRED_AT_DOC,
  })
  @IsISO8601({ strict: true })
  visitedAt: string;

  @ApiProperty({ description: 'The outcome and the facts it needs', ...FINDING_SCHEMA })
  @IsObject()
  finding: Record<string, unknown>;

  @ApiPropertyOptional({ type: [EvidenceDto], description: 'References to documents kept elsewhere; never the files', maxItems: 20 })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(20)
  @ValidateNested({ each: true })
  @Type(() => EvidenceDto)
  evidence?: EvidenceDto[];

  @ApiPropertyOptional({ description: 'Free text (sealed at rest); required with the outcome other', minLength: 1, maxLength: 2000 })
  @IsOptional()
  @IsString()
  @Length(1, 2000)
  note?: string;

  @ApiPropertyOptional({
    type: SurveyCorrectionsDto,
    description: 'Identity values found wrong, as they should read: an approval corrects them',
  })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => SurveyCorrectionsDto)
  corrections?: SurveyCorrectionsDto;

  @ApiPropertyOptional({
    description: 'Identity checks, outcome identified: the citizen ID established at the door',
    minLength: 15,
    maxLength: 40,
  })
  @IsOptional()
  @IsString()
  @Length(15, 40)
  citizenId?: string;
}

export class SurveyApprovalDto {
  @ApiPropertyOptional({ description: 'The result the reviewer approves (default: the one waiting for review)', ...ID_DOC })
  @IsOptional()
  @IsString()
  @Length(1, 128)
  resultId?: string;

  @ApiPropertyOptional({
    type: 'integer',
    minimum: -1,
    description:
      "The person's revision the reviewer saw in the task view. Required when the person changed after the task was issued: the approval then applies only to that state (409 SURVEY_PERSON_CHANGED otherwise)",
  })
  @IsOptional()
  @IsInt()
  @Min(-1)
  personRevision?: number;
}

export class SurveyReturnDto {
  @ApiProperty({ description: 'Why the result goes back to the surveyor (they see it; sealed at rest)', minLength: 1, maxLength: 2000 })
  @IsString()
  @Length(1, 2000)
  reason: string;

  @ApiPropertyOptional({ description: 'The result returned (default: the one waiting for review)', ...ID_DOC })
  @IsOptional()
  @IsString()
  @Length(1, 128)
  resultId?: string;
}

export class SurveyCancellationDto {
  @ApiProperty({ description: 'Why the task is cancelled (kept, sealed at rest)', minLength: 1, maxLength: 2000 })
  @IsString()
  @Length(1, 2000)
  reason: string;
}

export class SurveyProgressQueryDto {
  @ApiPropertyOptional({
    description: 'Region (default: the caller’s region): the report covers it and each region one level below, down to townships',
    ...REGION_DOC,
  })
  @IsOptional()
  @Matches(REGION, { message: 'region must be a 2, 4, 6 or 9 digit division code' })
  region?: string;
}
