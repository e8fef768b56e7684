import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { SourceKinds } from '@registry/domain';
import { IsIn, IsISO8601, IsOptional, IsString, Length, Matches, MaxLength } from 'class-validator';
import { apiPattern } from '../../common/api-responses';

/** Sources a request may name: every source kind but the comparison run, which only the system uses. */
export const SOURCE_KINDS_ACCEPTED = SourceKinds.codes.filter((code) => code !== 'comparison');

export const DATE = /^\d{4}-\d{2}-\d{2}$/;
export const REGION_CODE = /^(\d{6}|\d{9}|\d{12})$/;
export const RECORD_ID = /^[\x21-\x7e]+$/;
export const PHONE = /^[0-9+\- ]{5,20}$/;
/**
 * How `occurredAt` is documented: an ISO 8601 timestamp from year 1000 on. IsISO8601's
 * strict check refuses years below 100 (it builds a JavaScript Date, which reads them as 19xx).
 */
export const OCCURRED_AT_DOC = { format: 'date-time', pattern: '^[1-9][0-9]{3}-' };

/** A person record reported by a source system. */
export class RegistrationDto {
  @ApiProperty({ enum: SOURCE_KINDS_ACCEPTED, example: 'household-registration' })
  @IsIn(SOURCE_KINDS_ACCEPTED)
  source: string;

  @ApiProperty({
    description: "The source system's own record id; resending it changes nothing",
    example: 'HR-2024-000001',
    minLength: 1,
    maxLength: 128,
    pattern: apiPattern(RECORD_ID),
  })
  @IsString()
  @Length(1, 128)
  @Matches(RECORD_ID, { message: 'sourceRecordId must be printable ASCII without spaces' })
  sourceRecordId: string;

  @ApiProperty({ description: '18-digit citizen ID (15-digit IDs are upgraded); never echoed back unmasked', minLength: 15, maxLength: 40 })
  @IsString()
  @Length(15, 40)
  citizenId: string;

  @ApiProperty({ example: '王小明', minLength: 1, maxLength: 64 })
  @IsString()
  @Length(1, 64)
  name: string;

  @ApiProperty({ description: 'GB/T 2261.1: 0 unknown, 1 male, 2 female, 9 not stated', enum: ['0', '1', '2', '9'] })
  @IsIn(['0', '1', '2', '9'])
  gender: string;

  @ApiProperty({ example: '1949-12-31', pattern: apiPattern(DATE) })
  @Matches(DATE, { message: 'birthDate must be YYYY-MM-DD' })
  birthDate: string;

  @ApiProperty({
    description: 'County (6), township (9) or village (12) division code',
    example: '110105001',
    pattern: apiPattern(REGION_CODE),
  })
  @Matches(REGION_CODE, { message: 'householdRegion must be a 6, 9 or 12 digit division code' })
  householdRegion: string;

  @ApiPropertyOptional({ example: '北京市朝阳区建国路1号', maxLength: 256 })
  @IsOptional()
  @IsString()
  @MaxLength(256)
  householdAddress?: string;

  @ApiProperty({
    enum: ['active', 'moved-out', 'cancelled'],
    description: 'What the household register says: moved-out and cancelled are recorded as household events, as imports do',
    example: 'active',
  })
  @IsIn(['active', 'moved-out', 'cancelled'])
  householdStatus: 'active' | 'moved-out' | 'cancelled';

  @ApiPropertyOptional({
    enum: ['death', 'emigration', 'military-service', 'other'],
    description: 'Why the household was cancelled (with householdStatus cancelled; default other)',
  })
  @IsOptional()
  @IsIn(['death', 'emigration', 'military-service', 'other'])
  cancellationReason?: string;

  @ApiPropertyOptional({ example: '13800138000', pattern: apiPattern(PHONE) })
  @IsOptional()
  @Matches(PHONE, { message: 'phone must be 5-20 digits, spaces, + or -' })
  phone?: string;

  @ApiPropertyOptional({
    description: 'When the fact happened (ISO 8601); defaults to now',
    example: '2024-01-15T08:00:00Z',
    ...OCCURRED_AT_DOC,
  })
  @IsOptional()
  @IsISO8601({ strict: true })
  occurredAt?: string;
}
