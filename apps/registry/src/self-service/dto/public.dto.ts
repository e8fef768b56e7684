import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { EmploymentSituations, InsuranceTypes, UninsuredReasons, VerificationPurposes } from '@registry/domain';
import { IsBoolean, IsIn, IsOptional, IsString, Length, Matches, MaxLength } from 'class-validator';
import { apiPattern } from '../../common/api-responses';

/** What the validator lets through; normaliseMobilePhone decides whether it is a mobile number. */
export const MOBILE = /^[0-9+\- ]{11,20}$/;
export const VERIFICATION_ID = /^pv_[0-9a-f]{32}$/;
const CODE = /^\d{6}$/;
const CLIENT_ID = /^[\x21-\x7e]+$/;
const RESIDENCE = /^(\d{6}|\d{9}|\d{12})$/;

const CITIZEN_ID_DOC = {
  description:
    "The citizen's 18-character ID (17 digits and a check character, a digit or X; 15-digit IDs are upgraded); only ever in bodies, never echoed back",
  minLength: 15,
  maxLength: 40,
};
const PHONE_DOC = {
  description: 'A mainland mobile number (11 digits; spaces, dashes and +86 allowed)',
  example: '13800138000',
  minLength: 11,
  maxLength: 20,
  pattern: apiPattern(MOBILE),
};
const VERIFICATION_ID_DOC = {
  description: 'The id POST /v1/public/phone-verifications answered',
  example: 'pv_0123456789abcdef0123456789abcdef',
  pattern: apiPattern(VERIFICATION_ID),
};

export class CodeRequestDto {
  @ApiProperty(PHONE_DOC)
  @Matches(MOBILE, { message: 'phone must be 11-20 digits, spaces, + or -' })
  phone: string;

  @ApiProperty(CITIZEN_ID_DOC)
  @IsString()
  @Length(15, 40)
  citizenId: string;

  @ApiProperty({ enum: VerificationPurposes.codes, description: 'What the proof will be presented for' })
  @IsIn(VerificationPurposes.codes)
  purpose: string;
}

export class CodeCheckDto {
  @ApiProperty(VERIFICATION_ID_DOC)
  @Matches(VERIFICATION_ID, { message: 'verificationId must be the id the code request answered' })
  verificationId: string;

  @ApiProperty(PHONE_DOC)
  @Matches(MOBILE, { message: 'phone must be 11-20 digits, spaces, + or -' })
  phone: string;

  @ApiProperty({ description: 'The six digits the SMS carried', example: '123456', pattern: apiPattern(CODE) })
  @Matches(CODE, { message: 'code must be six digits' })
  code: string;
}

export class PublicRegistrationDto {
  @ApiProperty({
    description: "The channel client's own id for this submission: sending it again changes nothing",
    example: 'WEB-2025-000001',
    minLength: 1,
    maxLength: 128,
    pattern: apiPattern(CLIENT_ID),
  })
  @IsString()
  @Length(1, 128)
  @Matches(CLIENT_ID, { message: 'clientSubmissionId must be printable ASCII without spaces' })
  clientSubmissionId: string;

  @ApiProperty(VERIFICATION_ID_DOC)
  @Matches(VERIFICATION_ID, { message: 'verificationId must be the id the code request answered' })
  verificationId: string;

  @ApiProperty(CITIZEN_ID_DOC)
  @IsString()
  @Length(15, 40)
  citizenId: string;

  @ApiProperty({ example: '王小明', minLength: 1, maxLength: 64 })
  @IsString()
  @Length(1, 64)
  name: string;

  @ApiProperty(PHONE_DOC)
  @Matches(MOBILE, { message: 'phone must be 11-20 digits, spaces, + or -' })
  phone: string;

  @ApiProperty({
    description: 'Where the citizen lives: county (6), township (9) or village (12) division code; its county reviews the submission',
    example: '440305001',
    pattern: apiPattern(RESIDENCE),
  })
  @Matches(RESIDENCE, { message: 'residenceRegion must be a 6, 9 or 12 digit division code' })
  residenceRegion: string;

  @ApiPropertyOptional({ example: '深圳市南山区南头街道1号', maxLength: 256 })
  @IsOptional()
  @IsString()
  @MaxLength(256)
  residenceAddress?: string;

  @ApiProperty({ enum: InsuranceTypes.codes, description: 'AAE140 insurance type the citizen registers for' })
  @IsIn(InsuranceTypes.codes)
  intendedInsuranceType: string;

  @ApiProperty({ enum: EmploymentSituations.codes })
  @IsIn(EmploymentSituations.codes)
  employment: string;

  @ApiProperty({ description: 'Whether the citizen is insured anywhere now; when false, uninsuredReason says why' })
  @IsBoolean()
  currentlyInsured: boolean;

  @ApiPropertyOptional({ enum: UninsuredReasons.codes, description: 'Required when currentlyInsured is false' })
  @IsOptional()
  @IsIn(UninsuredReasons.codes)
  uninsuredReason?: string;

  @ApiPropertyOptional({ description: 'Free text beside the reason', maxLength: 500 })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  uninsuredNote?: string;
}

export class StatusQueryDto {
  @ApiProperty(CITIZEN_ID_DOC)
  @IsString()
  @Length(15, 40)
  citizenId: string;

  @ApiProperty({ example: '王小明', minLength: 1, maxLength: 64 })
  @IsString()
  @Length(1, 64)
  name: string;

  @ApiProperty(PHONE_DOC)
  @Matches(MOBILE, { message: 'phone must be 11-20 digits, spaces, + or -' })
  phone: string;

  @ApiProperty({ ...VERIFICATION_ID_DOC, description: 'A verification with purpose status-query, checked for this phone and citizen ID' })
  @Matches(VERIFICATION_ID, { message: 'verificationId must be the id the code request answered' })
  verificationId: string;
}
