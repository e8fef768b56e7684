import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ContributionStatuses,
  CoverageStatuses,
  ExemptionReasons,
  HouseholdCancellationReasons,
  HouseholdStatuses,
  InsuranceTypes,
  RECORDED_EXEMPTION_REASONS,
  SourceKinds,
} from '@registry/domain';

/**
 * Response shapes of the person endpoints, for the OpenAPI document. They describe what
 * persons.service and person-view return; personal values appear masked unless noted.
 */

const MASKED_ID = {
  description: 'Masked citizen ID: first 6 and last 4 for callers with person:unmask, first 6 and last 2 for the others',
  example: '440305**********3X',
};
/** Callers with person:unmask see `birthDate`, the others `birthYear`. */
export const BIRTH_DATE = { description: 'Full birth date: callers with person:unmask', example: '1990-01-01' };
export const BIRTH_YEAR = { description: 'Birth year: callers without person:unmask, in place of birthDate', example: '1990' };
const COVERAGE_FLAGS = ['LAPSED_CONTRIBUTION', 'DUPLICATE_MEDICAL_ENROLLMENT', 'DUPLICATE_PENSION_ENROLLMENT', 'INSURED_IN_TWO_PROVINCES'];

/** What every command answers (the new revision is also the ETag). */
export class CommandOutcomeDto {
  @ApiProperty({ example: 'p_abcdefghijklmnopqrstuvwxyz' })
  personId: string;

  @ApiProperty({ type: 'integer', description: 'Stream revision after the command; the ETag' })
  revision: number;

  @ApiProperty(MASKED_ID)
  maskedCitizenId: string;

  @ApiProperty({
    type: [String],
    description: 'Event types this request recorded; empty when it was a repeat',
    example: ['PersonRegistered'],
  })
  recorded: string[];
}

export class LookupResultDto {
  @ApiProperty()
  personId: string;

  @ApiProperty(MASKED_ID)
  maskedCitizenId: string;
}

export class PersonListItemDto {
  @ApiProperty()
  personId: string;

  @ApiProperty({ type: 'integer' })
  revision: number;

  @ApiProperty(MASKED_ID)
  maskedCitizenId: string;

  @ApiPropertyOptional()
  name?: string;

  @ApiProperty({ description: 'GB/T 2261.1 code' })
  gender: string;

  @ApiPropertyOptional(BIRTH_DATE)
  birthDate?: string;

  @ApiPropertyOptional(BIRTH_YEAR)
  birthYear?: string;

  @ApiProperty({ type: 'string', nullable: true, description: 'Household division code; null while unknown' })
  householdRegion: string | null;

  @ApiProperty({ enum: HouseholdStatuses.codes })
  householdStatus: string;

  @ApiProperty()
  deceased: boolean;

  @ApiProperty({ enum: CoverageStatuses.codes })
  coverageStatus: string;

  @ApiPropertyOptional({ enum: ExemptionReasons.codes })
  exemptionReason?: string;

  @ApiProperty({ type: [String], description: 'Insurance types with an enrolment in any status' })
  insuranceTypes: string[];

  @ApiProperty({ type: [String], description: '`type:contributionStatus` pairs', example: ['390:1'] })
  enrollmentStatuses: string[];

  @ApiProperty({ type: [String], enum: COVERAGE_FLAGS })
  coverageFlags: string[];

  @ApiProperty({ type: [String], description: 'Anomaly codes recorded on the person' })
  anomalies: string[];

  @ApiProperty({ type: 'integer', description: 'Number of open identity conflicts' })
  openConflicts: number;

  @ApiProperty()
  updatedAt: string;
}

export class PersonListPageDto {
  @ApiProperty({ type: [PersonListItemDto] })
  items: PersonListItemDto[];

  @ApiPropertyOptional({ description: 'Pass as `cursor` for the next page; absent on the last page' })
  nextCursor?: string;
}

export class HouseholdViewDto {
  @ApiProperty({ enum: HouseholdStatuses.codes })
  status: string;

  @ApiPropertyOptional({ enum: HouseholdCancellationReasons.codes })
  cancellationReason?: string;

  @ApiPropertyOptional({ description: 'Destination province while moved out of this one' })
  toProvince?: string;
}

export class ExemptionViewDto {
  @ApiProperty({ enum: RECORDED_EXEMPTION_REASONS })
  reason: string;

  @ApiProperty()
  since: string;

  @ApiPropertyOptional({ description: 'First day it no longer applies' })
  until?: string;

  @ApiProperty({ enum: SourceKinds.codes })
  source: string;
}

export class EnrollmentViewDto {
  @ApiProperty({ enum: InsuranceTypes.codes })
  insuranceType: string;

  @ApiProperty({ example: '城乡居民基本医疗保险' })
  insuranceTypeName: string;

  @ApiProperty({ enum: ContributionStatuses.codes })
  contributionStatus: string;

  @ApiProperty({ example: '参保缴费' })
  contributionStatusName: string;

  @ApiProperty({ example: '44' })
  provinceCode: string;

  @ApiProperty()
  since: string;

  @ApiProperty()
  lastChangedAt: string;

  @ApiProperty({ enum: SourceKinds.codes })
  source: string;
}

export class CoverageViewDto {
  @ApiProperty({ enum: CoverageStatuses.codes })
  status: string;

  @ApiPropertyOptional({ enum: ExemptionReasons.codes })
  exemptionReason?: string;

  @ApiProperty({ type: [String], description: 'Insurance types that count as coverage in this province' })
  localTypes: readonly string[];

  @ApiProperty({ type: [String], description: 'Provinces where the person is covered elsewhere' })
  elsewhereProvinces: readonly string[];

  @ApiProperty({ type: [String], enum: COVERAGE_FLAGS })
  flags: readonly string[];

  @ApiProperty({ type: [String], description: 'Evidence codes for the status', example: ['ENROLLED_390'] })
  evidence: readonly string[];
}

export class OpenConflictViewDto {
  @ApiProperty()
  conflictId: string;

  @ApiProperty({ description: 'The identity field the sources disagree on' })
  field: string;

  @ApiProperty({ enum: SourceKinds.codes })
  currentSource: string;

  @ApiProperty({ enum: SourceKinds.codes })
  reportedSource: string;

  @ApiProperty()
  detectedAt: string;

  @ApiProperty({
    description:
      'The held value stands by the precedence (a higher-ranked source holds it, or an operator corrected it): the conflict is open for the reporting source to correct, but it does not make the coverage status unresolved. False when sources of equal rank disagree, or for conflicts recorded before this was decided.',
  })
  heldValueStands: boolean;
}

export class PersonViewDto {
  @ApiProperty()
  personId: string;

  @ApiProperty({ type: 'integer', description: 'Stream revision; also the ETag' })
  revision: number;

  @ApiProperty(MASKED_ID)
  maskedCitizenId: string;

  @ApiPropertyOptional({ description: 'The full citizen ID: only with `unmask=true` (recorded as a disclosure)' })
  citizenId?: string;

  @ApiPropertyOptional()
  name?: string;

  @ApiPropertyOptional({ description: 'GB/T 2261.1 code' })
  gender?: string;

  @ApiPropertyOptional(BIRTH_DATE)
  birthDate?: string;

  @ApiPropertyOptional(BIRTH_YEAR)
  birthYear?: string;

  @ApiPropertyOptional()
  householdRegion?: string;

  @ApiPropertyOptional()
  householdAddress?: string;

  @ApiPropertyOptional()
  phone?: string;

  @ApiProperty({ type: HouseholdViewDto })
  household: HouseholdViewDto;

  @ApiProperty({ type: [ExemptionViewDto] })
  exemptions: ExemptionViewDto[];

  @ApiProperty()
  deceased: boolean;

  @ApiPropertyOptional()
  dateOfDeath?: string;

  @ApiProperty({ type: [EnrollmentViewDto] })
  enrollments: EnrollmentViewDto[];

  @ApiProperty({ type: CoverageViewDto, description: 'Coverage assessed as of today, or as of `asOf`' })
  coverage: CoverageViewDto;

  @ApiProperty({ type: [OpenConflictViewDto] })
  openConflicts: OpenConflictViewDto[];

  @ApiProperty({
    type: 'object',
    description: 'Per identity field: the source its value came from, and whether an operator corrected it',
    additionalProperties: {
      type: 'object',
      required: ['source', 'corrected'],
      properties: { source: { type: 'string', enum: [...SourceKinds.codes] }, corrected: { type: 'boolean' } },
    },
  })
  fieldSources: Record<string, { source: string; corrected: boolean }>;

  @ApiProperty({ type: [String], description: 'Sources that hold this person' })
  reportedBy: string[];
}

export class HistoryEntryDto {
  @ApiProperty({ type: 'integer' })
  revision: number;

  @ApiProperty({ example: 'EnrollmentRecorded' })
  type: string;

  @ApiProperty({ description: 'When it happened' })
  occurredAt: string;

  @ApiProperty({ description: 'When the registry recorded it' })
  recordedAt: string;

  @ApiPropertyOptional()
  operator?: string;

  @ApiPropertyOptional()
  role?: string;

  @ApiPropertyOptional()
  region?: string;

  @ApiPropertyOptional()
  source?: string;

  @ApiPropertyOptional({ example: 'http' })
  channel?: string;

  @ApiPropertyOptional()
  correlationId?: string;

  @ApiProperty({ type: 'object', additionalProperties: true, description: 'The non-personal facts of the event' })
  data: Record<string, unknown>;

  @ApiProperty({ type: [String], description: 'Personal fields the event carried (their values only with `unmask=true`)' })
  personalFields: string[];

  @ApiPropertyOptional({ type: 'object', additionalProperties: true, description: 'Personal values: only with `unmask=true`' })
  personal?: object;
}

export class DisclosureDto {
  @ApiProperty({ description: 'When the full ID was shown' })
  at: string;

  @ApiPropertyOptional()
  operator?: string;

  @ApiPropertyOptional()
  role?: string;

  @ApiPropertyOptional()
  region?: string;

  @ApiProperty({ enum: ['person', 'history'] })
  view: string;

  @ApiProperty({ description: 'Whether the operator gave a reason (POST /v1/persons/{personId}/disclosures)' })
  reasoned: boolean;

  @ApiPropertyOptional({ description: 'The reason given: shown to callers with person:unmask', maxLength: 200 })
  reason?: string;
}

/** What POST /v1/persons/{personId}/disclosures answers: the full ID and the record of its disclosure. */
export class DisclosedIdDto {
  @ApiProperty()
  personId: string;

  @ApiProperty({ description: 'The full citizen ID: 18 characters, 17 digits and a check character (a digit or X)' })
  citizenId: string;

  @ApiProperty(MASKED_ID)
  maskedCitizenId: string;

  @ApiProperty({ type: DisclosureDto, description: 'The disclosure as recorded on the person’s disclosure stream' })
  disclosure: DisclosureDto;
}

export class PersonHistoryDto {
  @ApiProperty()
  personId: string;

  @ApiProperty({ type: 'integer' })
  revision: number;

  @ApiProperty({ type: [HistoryEntryDto] })
  events: HistoryEntryDto[];

  @ApiProperty({ type: [DisclosureDto], description: 'Every unmasking of this person, for auditors' })
  disclosures: DisclosureDto[];
}
