import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsISO8601,
  IsObject,
  IsOptional,
  IsString,
  Length,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { EvidenceTypes, SurveyOutcomes, SurveyTaskStatuses } from '@registry/domain';

const PRINTABLE = /^[\x21-\x7e]+$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const PERSON_ID = /^p_[a-z2-7]{26}$/;
const RECORD_REF = /^imp_[0-9a-f]{24}:\d{1,9}$/;
const REGION = /^(\d{2}|\d{4}|\d{6}|\d{9})$/;
/** Persons a list batch may name: its body stays within the default BODY_LIMIT. Larger lists go by worklist. */
export const MAX_LIST_SUBJECTS = 5000;

export class SurveyBatchDto {
  @ApiProperty({
    description: "The client's id for this batch: sending the same batch again issues nothing new",
    example: 'nantou-2025-q2',
  })
  @IsString()
  @Length(1, 128)
  @Matches(PRINTABLE, { message: 'batchId must be printable ASCII without spaces' })
  batchId: string;

  @ApiProperty({ description: 'The township (9 digits) the tasks belong to', example: '440305001' })
  @Matches(REGION, { message: 'region must be a 9-digit township code' })
  region: string;

  @ApiProperty({ description: 'When the visits are due (YYYY-MM-DD, today or later)', example: '2025-06-30' })
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

  @ApiPropertyOptional({ description: `list: person ids, one task each (at most ${MAX_LIST_SUBJECTS} subjects in all)`, type: [String] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(MAX_LIST_SUBJECTS)
  @Matches(PERSON_ID, { each: true, message: 'personIds must be person ids' })
  personIds?: string[];

  @ApiPropertyOptional({
    description:
      'list: households, each a list of person ids visited together: one task per member, sharing a household key and a surveyor',
    type: 'array',
    items: { type: 'array', items: { type: 'string' } },
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(MAX_LIST_SUBJECTS)
  households?: string[][];

  @ApiPropertyOptional({ description: 'list: identity checks (recordRef of the household row) to visit', type: [String] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(MAX_LIST_SUBJECTS)
  @Matches(RECORD_REF, { each: true, message: 'identityChecks must be identity-check record references' })
  identityChecks?: string[];

  @ApiPropertyOptional({
    description:
      "Staff ids of the township's surveyors: the tasks are shared among them at once, neighbouring villages (and a household) to one surveyor",
    type: [String],
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
  @ApiPropertyOptional({ description: 'Region and below (default: the caller’s region)' })
  @IsOptional()
  @Matches(REGION, { message: 'region must be a 2, 4, 6 or 9 digit division code' })
  region?: string;

  @ApiPropertyOptional({ description: `Comma-separated states: ${SurveyTaskStatuses.codes.join(', ')}` })
  @IsOptional()
  @Matches(new RegExp(`^(${SurveyTaskStatuses.codes.join('|')})(,(${SurveyTaskStatuses.codes.join('|')}))*$`), {
    message: `state must be one or more of ${SurveyTaskStatuses.codes.join(', ')}, comma-separated`,
  })
  state?: string;

  @ApiPropertyOptional({ description: "A surveyor's staff id (a surveyor sees only its own tasks)" })
  @IsOptional()
  @IsString()
  @Length(1, 128)
  @Matches(PRINTABLE, { message: 'surveyor must be a staff id' })
  surveyor?: string;

  @ApiPropertyOptional({ enum: ['true'], description: 'Only tasks still waiting for their visit after the due date' })
  @IsOptional()
  @IsIn(['true'])
  overdue?: string;

  @ApiPropertyOptional({ description: 'The tasks one batch issued (its batchId)' })
  @IsOptional()
  @IsString()
  @Length(1, 128)
  @Matches(PRINTABLE, { message: 'batchId must be printable ASCII without spaces' })
  batchId?: string;

  @ApiPropertyOptional({ description: 'A household key: the tasks of one household' })
  @IsOptional()
  @IsString()
  @Matches(/^hh_[0-9a-f]{16}$/, { message: 'household must be a household key' })
  household?: string;

  @ApiPropertyOptional({ description: 'Page size (1-200, default 50)' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(200)
  limit?: number;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(2048)
  cursor?: string;
}

export class SurveyAssignmentDto {
  @ApiProperty({ description: "The surveyor's staff id (the `sub` of their token)", example: 'surveyor-0301' })
  @IsString()
  @Length(1, 128)
  @Matches(PRINTABLE, { message: 'surveyor must be a staff id' })
  surveyor: string;

  @ApiPropertyOptional({ description: 'A new due date (YYYY-MM-DD)' })
  @IsOptional()
  @Matches(DATE, { message: 'dueDate must be YYYY-MM-DD' })
  dueDate?: string;
}

export class EvidenceDto {
  @ApiProperty({ description: 'The document’s id in the store that keeps it', example: 'oss://survey/2025/03/5f2c.jpg' })
  @IsString()
  @Length(1, 128)
  @Matches(PRINTABLE, { message: 'documentId must be printable ASCII without spaces' })
  documentId: string;

  @ApiProperty({ enum: EvidenceTypes.codes })
  @IsIn(EvidenceTypes.codes)
  type: string;

  @ApiProperty({ description: 'SHA-256 of the file, 64 hex digits' })
  @Matches(/^[0-9a-fA-F]{64}$/, { message: 'sha256 must be 64 hex digits' })
  sha256: string;
}

export class SurveyResultDto {
  @ApiProperty({
    description: "The survey client's own id for this result (a UUID): sending it again changes nothing",
    example: '0b6f6f3e-4c55-4c3a-9d1f-2d7a1f0b9e21',
  })
  @IsString()
  @Length(1, 128)
  @Matches(PRINTABLE, { message: 'resultId must be printable ASCII without spaces' })
  resultId: string;

  @ApiProperty({ description: 'When the surveyor was at the household (ISO 8601 with offset)', example: '2025-03-05T10:30:00+08:00' })
  @IsISO8601({ strict: true })
  visitedAt: string;

  @ApiProperty({
    description:
      'The outcome and the facts it needs (README, "Survey outcomes"): e.g. {"outcome":"deceased","dateOfDeath":"2025-02-27"}, ' +
      '{"outcome":"enrolled-now","enrollments":[{"insuranceType":"390","since":"2025-03-05","region":"440305001"}]}',
    type: 'object',
    properties: { outcome: { type: 'string', enum: [...SurveyOutcomes.codes] } },
    additionalProperties: true,
  })
  @IsObject()
  finding: Record<string, unknown>;

  @ApiPropertyOptional({ type: [EvidenceDto], description: 'References to documents kept elsewhere; never the files' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(20)
  @ValidateNested({ each: true })
  @Type(() => EvidenceDto)
  evidence?: EvidenceDto[];

  @ApiPropertyOptional({ description: 'Free text (sealed at rest); required with the outcome other' })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  note?: string;

  @ApiPropertyOptional({
    description:
      'Identity values found wrong, as they should read (name, gender, birthDate, phone, householdAddress): an approval corrects them',
    type: 'object',
    additionalProperties: { type: 'string' },
  })
  @IsOptional()
  @IsObject()
  corrections?: Record<string, string>;

  @ApiPropertyOptional({ description: 'Identity checks, outcome identified: the citizen ID established at the door' })
  @IsOptional()
  @IsString()
  @Length(15, 40)
  citizenId?: string;
}

export class SurveyApprovalDto {
  @ApiPropertyOptional({ description: 'The result the reviewer approves (default: the one waiting for review)' })
  @IsOptional()
  @IsString()
  @Length(1, 128)
  resultId?: string;

  @ApiPropertyOptional({
    description:
      "The person's revision the reviewer saw in the task view. Required when the person changed after the task was issued: the approval then applies only to that state (409 SURVEY_PERSON_CHANGED otherwise)",
  })
  @IsOptional()
  @IsInt()
  @Min(-1)
  personRevision?: number;
}

export class SurveyReturnDto {
  @ApiProperty({ description: 'Why the result goes back to the surveyor (they see it; sealed at rest)' })
  @IsString()
  @Length(1, 2000)
  reason: string;

  @ApiPropertyOptional({ description: 'The result returned (default: the one waiting for review)' })
  @IsOptional()
  @IsString()
  @Length(1, 128)
  resultId?: string;
}

export class SurveyCancellationDto {
  @ApiProperty({ description: 'Why the task is cancelled (kept, sealed at rest)' })
  @IsString()
  @Length(1, 2000)
  reason: string;
}

export class SurveyProgressQueryDto {
  @ApiPropertyOptional({
    description: 'Region (default: the caller’s region): the report covers it and each region one level below, down to townships',
  })
  @IsOptional()
  @Matches(REGION, { message: 'region must be a 2, 4, 6 or 9 digit division code' })
  region?: string;
}
