import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { CoverageStatuses, ExemptionReasons } from '@registry/domain';
import { CodedErrorDto, SubmitterDto } from '../../imports/dto/imports.responses';
import { BIRTH_DATE, BIRTH_YEAR } from '../../persons/dto/persons.responses';

const PHASES = ['starting', 'ministry-inquiry', 'linkage', 'determination', 'done'];

// Fields a run and its progress both show, documented once.
const ScopeProperty = ApiPropertyOptional({
  enum: ['full', 'changes'],
  description: 'full: every person; changes: what changed since the last completed run',
});
const LogFromProperty = ApiPropertyOptional({
  type: 'integer',
  description: 'The event log position the run began reading after (a later run on changes starts there)',
});
const LogToProperty = ApiPropertyOptional({ type: 'integer', description: 'The event log position when the run ended' });

export class ComparisonProgressDto {
  @ScopeProperty
  scope?: string;

  @LogFromProperty
  logFrom?: number;

  @LogToProperty
  logTo?: number;

  @ApiProperty({ enum: PHASES })
  phase: string;

  @ApiPropertyOptional({ type: 'integer', description: 'Only for callers covering the province' })
  done?: number;

  @ApiPropertyOptional({ type: 'integer', description: 'Only for callers covering the province' })
  total?: number;
}

export class ComparisonCountsDto {
  @ApiProperty({ type: 'integer' })
  persons: number;

  @ApiProperty({ type: 'integer' })
  statusChanges: number;

  @ApiProperty({ type: 'object', additionalProperties: { type: 'integer' }, description: 'Persons by coverage status' })
  byStatus: Record<string, number>;

  @ApiProperty({ type: 'integer' })
  inquired: number;

  @ApiProperty({ type: 'integer' })
  insuredElsewhereFound: number;

  @ApiProperty({ type: 'integer' })
  recordsConsidered: number;

  @ApiProperty({ type: 'integer' })
  linked: number;

  @ApiPropertyOptional({ type: 'integer', description: 'Of linked: household rows registered under a repaired ID' })
  repaired?: number;

  @ApiProperty({ type: 'integer' })
  possibleLinks: number;

  @ApiProperty({ type: 'integer' })
  notLinked: number;
}

/** A comparison run; counts and progress figures are province-wide, shown only to callers covering the province. */
export class ComparisonRunDto {
  @ApiProperty({ description: 'The run id' })
  _id: string;

  @ApiProperty({
    enum: ['running', 'completed', 'failed', 'interrupted'],
    description: 'interrupted: the service stopped or crashed during the run; the next run redoes its work',
  })
  state: string;

  @ScopeProperty
  scope?: string;

  @LogFromProperty
  logFrom?: number;

  @LogToProperty
  logTo?: number;

  @ApiProperty({ enum: PHASES })
  phase: string;

  @ApiProperty({ type: SubmitterDto })
  startedBy: SubmitterDto;

  @ApiProperty()
  startedAt: string;

  @ApiPropertyOptional()
  finishedAt?: string;

  @ApiProperty({ type: ComparisonProgressDto })
  progress: ComparisonProgressDto;

  @ApiPropertyOptional({ type: ComparisonCountsDto, description: 'Only for callers covering the province' })
  counts?: ComparisonCountsDto;

  @ApiPropertyOptional({ type: CodedErrorDto })
  error?: CodedErrorDto;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: { type: 'integer' },
    description:
      'Milliseconds each step of the run took (catchUp, changedPersons, linkageRows, linkagePopulation, linkage, linkageCatchUp, inquiry, inquiryCatchUp, determination)',
  })
  timings?: Record<string, number>;
}

export class ReviewCandidateDto {
  @ApiProperty()
  personId: string;

  @ApiProperty({ description: 'Fellegi–Sunter match weight' })
  score: number;

  @ApiProperty({
    type: 'object',
    description: 'The fields that drove the score: per field its comparison level and weight',
    additionalProperties: {
      type: 'object',
      required: ['level'],
      properties: { level: { type: 'string', example: 'exact' }, weight: { type: 'number' } },
    },
  })
  fields: Record<string, { level: string; weight?: number }>;

  @ApiProperty({ description: 'Masked as for the person (see GET /v1/persons/{personId})', example: '440305**********3X' })
  maskedCitizenId: string;

  @ApiPropertyOptional()
  name?: string;

  @ApiPropertyOptional(BIRTH_DATE)
  birthDate?: string;

  @ApiPropertyOptional(BIRTH_YEAR)
  birthYear?: string;

  @ApiPropertyOptional()
  gender?: string;

  @ApiPropertyOptional()
  householdRegion?: string;
}

export class LinkReviewDto {
  @ApiProperty({ example: 'imp_0123456789abcdef01234567:42' })
  reviewId: string;

  @ApiProperty({ enum: ['pending', 'confirmed', 'rejected'] })
  state: string;

  @ApiProperty()
  source: string;

  @ApiProperty()
  importId: string;

  @ApiProperty({ type: 'integer' })
  rowNumber: number;

  @ApiProperty()
  createdAt: string;

  @ApiProperty()
  runId: string;

  @ApiPropertyOptional()
  decidedBy?: string;

  @ApiPropertyOptional({ description: 'The confirmed candidate' })
  personId?: string;

  @ApiProperty({ type: [ReviewCandidateDto], description: 'The candidates the caller may see' })
  candidates: ReviewCandidateDto[];
}

export class LinkReviewPageDto {
  @ApiProperty({ type: [LinkReviewDto] })
  items: LinkReviewDto[];

  @ApiPropertyOptional({ description: 'Pass as `cursor` for the next page; absent on the last page' })
  nextCursor?: string;
}

export class ReviewConfirmedDto {
  @ApiProperty()
  reviewId: string;

  @ApiProperty({ enum: ['confirmed'] })
  state: string;

  @ApiProperty()
  personId: string;

  @ApiProperty({ type: [String], description: 'Event types recorded on the person', example: ['RecordLinked'] })
  recorded: string[];
}

export class ReviewRejectedDto {
  @ApiProperty()
  reviewId: string;

  @ApiProperty({ enum: ['rejected'] })
  state: string;
}

export class IdentityCheckDto {
  @ApiProperty({ description: 'The quarantined row: `importId:rowNumber`' })
  recordRef: string;

  @ApiProperty()
  importId: string;

  @ApiProperty({ type: 'integer' })
  rowNumber: number;

  @ApiProperty()
  householdRegion: string;

  @ApiProperty({ type: [String], description: 'Why the row has no usable ID' })
  reasons: string[];

  @ApiPropertyOptional()
  name?: string;

  @ApiPropertyOptional()
  gender?: string;

  @ApiPropertyOptional(BIRTH_DATE)
  birthDate?: string;

  @ApiPropertyOptional(BIRTH_YEAR)
  birthYear?: string;

  @ApiPropertyOptional()
  householdAddress?: string;

  @ApiPropertyOptional({ description: 'What the register holds in place of an ID, masked' })
  maskedCitizenId?: string;

  @ApiProperty()
  runId: string;
}

export class IdentityCheckPageDto {
  @ApiProperty()
  region: string;

  @ApiProperty({ type: [IdentityCheckDto] })
  items: IdentityCheckDto[];

  @ApiPropertyOptional({ description: 'Pass as `cursor` for the next page; absent on the last page' })
  nextCursor?: string;
}

export class DeterminationDto {
  @ApiProperty({ enum: CoverageStatuses.codes })
  status: string;

  @ApiPropertyOptional({ enum: ExemptionReasons.codes })
  exemptionReason?: string;

  @ApiProperty({ type: [String] })
  evidence: string[];

  @ApiPropertyOptional({ type: [String], description: 'Coverage flags of the verdict (lapsed contribution, duplicate enrolments …)' })
  flags?: string[];

  @ApiProperty()
  runId: string;

  @ApiProperty()
  at: string;
}

export class WorklistItemDto {
  @ApiProperty()
  personId: string;

  @ApiProperty({ description: 'Masked as for the person (see GET /v1/persons/{personId})', example: '440305**********3X' })
  maskedCitizenId: string;

  @ApiPropertyOptional()
  name?: string;

  @ApiProperty()
  gender: string;

  @ApiPropertyOptional(BIRTH_DATE)
  birthDate?: string;

  @ApiPropertyOptional(BIRTH_YEAR)
  birthYear?: string;

  @ApiProperty({ type: 'string', nullable: true })
  householdRegion: string | null;

  @ApiPropertyOptional()
  householdAddress?: string;

  @ApiPropertyOptional()
  phone?: string;

  @ApiProperty({ enum: ['uninsured', 'unresolved'] })
  coverageStatus: string;

  @ApiProperty({ type: [String] })
  evidence: string[];

  @ApiPropertyOptional({ type: DeterminationDto, description: 'The latest comparison run’s verdict' })
  lastDetermination?: DeterminationDto;

  @ApiProperty({ type: [String], description: 'Sources that hold the person' })
  sources: string[];

  @ApiProperty({ type: [String] })
  anomalies: string[];

  @ApiProperty({ type: [String], description: 'Fields with an open identity conflict' })
  openConflicts: string[];
}

export class WorklistPageDto {
  @ApiProperty()
  region: string;

  @ApiProperty({ type: [WorklistItemDto] })
  items: WorklistItemDto[];

  @ApiPropertyOptional({ description: 'Pass as `cursor` for the next page; absent on the last page' })
  nextCursor?: string;
}
