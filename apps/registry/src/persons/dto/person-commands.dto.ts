import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsISO8601, IsObject, IsOptional, IsString, Length, Matches, MaxLength, MinLength, ValidateNested } from 'class-validator';
import { apiPattern } from '../../common/api-responses';
import { DATE, OCCURRED_AT_DOC, PHONE, RECORD_ID, REGION_CODE, SOURCE_KINDS_ACCEPTED } from './registration.dto';

const INSURANCE_TYPES = ['110', '120', '170', '210', '310', '390', '410', '510'];
const PROVINCE_CODE = /^(\d{2}|\d{2}0000)$/;
const LIST_REGION = /^(\d{2}|\d{4}|\d{6}|\d{9}|\d{12})$/;
const LIMIT = /^\d{1,3}$/;
/** What asOf must start with; the rest is checked by parsing it. */
const AS_OF_DATE = /^\d{4}-\d{2}-\d{2}/;
const RECORD_ID_DOC = { minLength: 1, maxLength: 128, pattern: apiPattern(RECORD_ID) };
const DATE_DOC = { pattern: apiPattern(DATE) };

/** Fields every reported fact carries: where it came from and when it happened. */
export class SourceFactDto {
  @ApiProperty({ enum: SOURCE_KINDS_ACCEPTED, example: 'insurance-enrollment' })
  @IsIn(SOURCE_KINDS_ACCEPTED)
  source: string;

  @ApiPropertyOptional({
    description: "The source's record id; resending it changes nothing. Generated when absent (then not idempotent).",
    ...RECORD_ID_DOC,
  })
  @IsOptional()
  @IsString()
  @Length(1, 128)
  @Matches(RECORD_ID, { message: 'sourceRecordId must be printable ASCII without spaces' })
  sourceRecordId?: string;

  @ApiPropertyOptional({ description: 'When it happened (ISO 8601); defaults to now', ...OCCURRED_AT_DOC })
  @IsOptional()
  @IsISO8601({ strict: true })
  occurredAt?: string;
}

export class EnrollmentDto extends SourceFactDto {
  @ApiProperty({ enum: INSURANCE_TYPES, description: 'AAE140 insurance type' })
  @IsIn(INSURANCE_TYPES)
  insuranceType: string;

  @ApiProperty({ enum: ['1', '2', '3'], description: 'AAC031: 1 contributing, 2 suspended, 3 terminated' })
  @IsIn(['1', '2', '3'])
  contributionStatus: string;

  @ApiProperty({ description: 'Province of enrolment, 2 or 6 digits', example: '44', pattern: apiPattern(PROVINCE_CODE) })
  @Matches(PROVINCE_CODE, { message: 'provinceCode must be a 2-digit or xx0000 province code' })
  provinceCode: string;

  @ApiProperty({ example: '2020-01-01', ...DATE_DOC })
  @Matches(DATE, { message: 'since must be YYYY-MM-DD' })
  since: string;
}

export class EnrollmentTransitionDto extends SourceFactDto {
  @ApiProperty({ example: '2024-06-30', ...DATE_DOC })
  @Matches(DATE, { message: 'effectiveDate must be YYYY-MM-DD' })
  effectiveDate: string;
}

export class DeathDto extends SourceFactDto {
  @ApiProperty({ example: '2024-03-01', ...DATE_DOC })
  @Matches(DATE, { message: 'dateOfDeath must be YYYY-MM-DD' })
  dateOfDeath: string;
}

export class ExemptionDto extends SourceFactDto {
  @ApiProperty({ enum: ['imprisoned', 'military-service'], description: 'What a household survey (or a source) found' })
  @IsIn(['imprisoned', 'military-service'])
  reason: string;

  @ApiProperty({ example: '2024-03-01', description: 'First day the exemption applies', ...DATE_DOC })
  @Matches(DATE, { message: 'since must be YYYY-MM-DD' })
  since: string;

  @ApiPropertyOptional({
    example: '2027-02-28',
    description: 'First day it no longer applies (release, discharge); open-ended when absent',
    ...DATE_DOC,
  })
  @IsOptional()
  @Matches(DATE, { message: 'until must be YYYY-MM-DD' })
  until?: string;
}

export class HouseholdMoveDto extends SourceFactDto {
  @ApiProperty({ enum: ['within-province', 'out-of-province'] })
  @IsIn(['within-province', 'out-of-province'])
  scope: 'within-province' | 'out-of-province';

  @ApiPropertyOptional({
    description: 'New household region (within the province)',
    example: '440305001',
    pattern: apiPattern(REGION_CODE),
  })
  @IsOptional()
  @Matches(REGION_CODE, { message: 'toRegion must be a 6, 9 or 12 digit division code' })
  toRegion?: string;

  @ApiPropertyOptional({ description: 'Destination province (out of the province)', example: '32', pattern: apiPattern(PROVINCE_CODE) })
  @IsOptional()
  @Matches(PROVINCE_CODE, { message: 'toProvince must be a 2-digit or xx0000 province code' })
  toProvince?: string;
}

export class HouseholdCancellationDto extends SourceFactDto {
  @ApiProperty({ enum: ['death', 'emigration', 'military-service', 'other'] })
  @IsIn(['death', 'emigration', 'military-service', 'other'])
  reason: string;
}

export class CorrectionFieldsDto {
  @ApiPropertyOptional({ minLength: 1, maxLength: 64 }) @IsOptional() @IsString() @Length(1, 64) name?: string;
  @ApiPropertyOptional({ enum: ['0', '1', '2', '9'] }) @IsOptional() @IsIn(['0', '1', '2', '9']) gender?: string;
  @ApiPropertyOptional(DATE_DOC) @IsOptional() @Matches(DATE, { message: 'birthDate must be YYYY-MM-DD' }) birthDate?: string;
  @ApiPropertyOptional({ pattern: apiPattern(REGION_CODE) })
  @IsOptional()
  @Matches(REGION_CODE, { message: 'householdRegion must be a 6, 9 or 12 digit division code' })
  householdRegion?: string;
  @ApiPropertyOptional({ pattern: apiPattern(PHONE) })
  @IsOptional()
  @Matches(PHONE, { message: 'phone must be 5-20 digits, spaces, + or -' })
  phone?: string;
  @ApiPropertyOptional({ maxLength: 256 }) @IsOptional() @IsString() @MaxLength(256) householdAddress?: string;
}

export class CorrectionDto {
  @ApiProperty({
    description: 'Why the record is corrected (required; kept for auditors, encrypted at rest)',
    minLength: 1,
    maxLength: 500,
  })
  @IsString()
  @Length(1, 500)
  reason: string;

  @ApiProperty({ type: CorrectionFieldsDto })
  @IsObject()
  @ValidateNested()
  @Type(() => CorrectionFieldsDto)
  corrections: CorrectionFieldsDto;

  @ApiPropertyOptional(RECORD_ID_DOC)
  @IsOptional()
  @IsString()
  @Length(1, 128)
  @Matches(RECORD_ID, { message: 'sourceRecordId must be printable ASCII without spaces' })
  sourceRecordId?: string;
}

export class LookupDto {
  @ApiProperty({ description: 'Citizen ID; sent in the body so it never appears in a URL or access log', minLength: 15, maxLength: 40 })
  @IsString()
  @Length(15, 40)
  citizenId: string;
}

export class ListPersonsQueryDto {
  @ApiPropertyOptional({ description: 'Region code: this region and everything below it', pattern: apiPattern(LIST_REGION) })
  @IsOptional()
  @Matches(LIST_REGION, { message: 'region must be a 2, 4, 6, 9 or 12 digit division code' })
  region?: string;

  @ApiPropertyOptional({ enum: ['insured-local', 'insured-elsewhere', 'uninsured', 'exempt', 'unresolved'] })
  @IsOptional()
  @IsIn(['insured-local', 'insured-elsewhere', 'uninsured', 'exempt', 'unresolved'])
  coverageStatus?: string;

  @ApiPropertyOptional({ enum: INSURANCE_TYPES })
  @IsOptional()
  @IsIn(INSURANCE_TYPES)
  insuranceType?: string;

  @ApiPropertyOptional({ enum: ['1', '2', '3'], description: 'With insuranceType: that type in this contribution status' })
  @IsOptional()
  @IsIn(['1', '2', '3'])
  contributionStatus?: string;

  @ApiPropertyOptional({ enum: ['true', 'false'] })
  @IsOptional()
  @IsIn(['true', 'false'])
  hasAnomalies?: string;

  @ApiPropertyOptional({ enum: ['true', 'false'] })
  @IsOptional()
  @IsIn(['true', 'false'])
  hasConflicts?: string;

  @ApiPropertyOptional({ description: 'Page size, 1-500 (default 50)', pattern: apiPattern(LIMIT) })
  @IsOptional()
  @Matches(LIMIT, { message: 'limit must be a number from 1 to 500' })
  limit?: string;

  @ApiPropertyOptional({ description: 'Cursor from the previous page', maxLength: 2048 })
  @IsOptional()
  @IsString()
  @MaxLength(2048)
  cursor?: string;
}

export class GetPersonQueryDto {
  @ApiPropertyOptional({
    description: 'The state the registry held at this date (YYYY-MM-DD, end of day UTC) or timestamp (ISO 8601)',
    maxLength: 40,
    pattern: apiPattern(AS_OF_DATE),
  })
  @IsOptional()
  @IsString()
  @MaxLength(40)
  asOf?: string;

  @ApiPropertyOptional({ enum: ['true', 'false'], description: 'Show the full citizen ID (needs person:unmask; recorded for auditors)' })
  @IsOptional()
  @IsIn(['true', 'false'])
  unmask?: string;
}

/** Why an operator needs the full citizen ID; kept sealed with the disclosure, read by auditors. */
export class DisclosureRequestDto {
  @ApiProperty({
    description: 'Why the full ID is needed (recorded for auditors)',
    minLength: 4,
    maxLength: 200,
    example: '核对参保登记材料',
  })
  @IsString()
  @MinLength(4)
  @MaxLength(200)
  @Matches(/\S/, { message: 'reason must not be blank' })
  reason: string;
}
