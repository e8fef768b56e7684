import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  CoverageStatuses,
  EmploymentSituations,
  InsuranceTypes,
  SelfServiceChannels,
  SubmissionStates,
  UninsuredReasons,
} from '@registry/domain';

/** Response shapes of the public and review endpoints, for the OpenAPI document. */

export class CodeSentDto {
  @ApiProperty({ example: 'pv_0123456789abcdef0123456789abcdef' })
  verificationId: string;

  @ApiProperty({ format: 'date-time', description: 'The code is refused after this (5 minutes)' })
  expiresAt: string;

  @ApiProperty({ format: 'date-time', description: 'No new code for this phone before this (60 s)' })
  resendAfter: string;
}

export class CodeVerifiedDto {
  @ApiProperty()
  verificationId: string;

  @ApiProperty({ enum: [true] })
  verified: boolean;

  @ApiProperty({ format: 'date-time', description: 'A registration or status query may present this verification until then' })
  validUntil: string;
}

/** The states a citizen sees: an approval's claim (`approving`) is shown as `pending`. */
const CITIZEN_STATES = SubmissionStates.codes.filter((code) => code !== 'approving');

export class SubmissionReceivedDto {
  @ApiProperty({ example: 'ss_abcdefghijklmnopqrstuvwxyz', description: 'The submission, also its review id' })
  submissionId: string;

  @ApiProperty({ enum: CITIZEN_STATES })
  state: string;

  @ApiProperty({ format: 'date-time' })
  submittedAt: string;

  @ApiProperty({ description: 'True when the client had sent this submission before: nothing new was recorded' })
  repeated: boolean;
}

export class SubmissionStatusDto {
  @ApiProperty({ example: 'ss_abcdefghijklmnopqrstuvwxyz' })
  submissionId: string;

  @ApiProperty({ enum: SelfServiceChannels.codes })
  channel: string;

  @ApiProperty({ format: 'date-time' })
  submittedAt: string;

  @ApiProperty({ enum: CITIZEN_STATES })
  state: string;

  @ApiProperty({ enum: InsuranceTypes.codes })
  intendedInsuranceType: string;

  @ApiPropertyOptional({ format: 'date-time' })
  decidedAt?: string;

  @ApiPropertyOptional({ description: 'Why the county did not approve it: written for the citizen' })
  rejectionReason?: string;
}

export class RegistryStatusDto {
  @ApiProperty({ description: 'The registry holds this person (name and phone as given)' })
  registered: boolean;

  @ApiProperty({ enum: CoverageStatuses.codes })
  coverageStatus: string;

  @ApiProperty({ type: [String], enum: InsuranceTypes.codes, description: 'Insurance types with an enrolment' })
  insuranceTypes: string[];
}

export class StatusAnswerDto {
  @ApiProperty({ type: [SubmissionStatusDto], description: 'Submissions under this citizen ID made with this name and phone' })
  submissions: SubmissionStatusDto[];

  @ApiProperty({
    type: RegistryStatusDto,
    nullable: true,
    description: 'What the registry holds, when it holds this citizen ID with this name and phone; else null',
  })
  registry: RegistryStatusDto | null;
}

export class ApprovalRefusalDto {
  @ApiProperty({ description: 'The code the person’s commands were refused with', example: 'PERSON_DECEASED' })
  code: string;

  @ApiProperty({ description: 'The reviewer whose approval it was (token subject)' })
  reviewer: string;

  @ApiProperty({ format: 'date-time' })
  releasedAt: string;
}

export class ReviewItemDto {
  @ApiProperty({ example: 'ss_abcdefghijklmnopqrstuvwxyz' })
  reviewId: string;

  @ApiProperty({
    enum: SubmissionStates.codes,
    description:
      '`approving`: an approval claimed it and is recording the person’s commands; one left there by an interrupted approval is completed by approving it again',
  })
  state: string;

  @ApiProperty({ enum: SelfServiceChannels.codes })
  channel: string;

  @ApiProperty({ format: 'date-time' })
  submittedAt: string;

  @ApiProperty({ description: 'Residence (six digits for a province or city, the code itself below)', example: '440305001' })
  residenceRegion: string;

  @ApiProperty({ example: '440305' })
  county: string;

  @ApiProperty({ description: 'Masked as for every view of a person', example: '440305**********3X' })
  maskedCitizenId: string;

  @ApiProperty()
  name: string;

  @ApiProperty({ description: 'The verified mobile number, for the reviewer to call back' })
  phone: string;

  @ApiPropertyOptional()
  residenceAddress?: string;

  @ApiProperty({ enum: InsuranceTypes.codes })
  intendedInsuranceType: string;

  @ApiProperty({ enum: EmploymentSituations.codes })
  employment: string;

  @ApiProperty()
  currentlyInsured: boolean;

  @ApiPropertyOptional({ enum: UninsuredReasons.codes })
  uninsuredReason?: string;

  @ApiPropertyOptional()
  uninsuredNote?: string;

  @ApiPropertyOptional({ description: 'While `approving`: the reviewer whose approval claimed it (token subject)' })
  approvalStartedBy?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'While `approving`: when the claim was taken' })
  approvalStartedAt?: string;

  @ApiPropertyOptional({
    type: ApprovalRefusalDto,
    description: 'The last approval that was refused by the person’s state and released back to pending',
  })
  approvalRefusal?: ApprovalRefusalDto;

  @ApiPropertyOptional({ description: 'The reviewer (token subject)' })
  decidedBy?: string;

  @ApiPropertyOptional({ format: 'date-time' })
  decidedAt?: string;

  @ApiPropertyOptional()
  rejectionReason?: string;

  @ApiPropertyOptional({ description: 'The person the approval recorded', example: 'p_abcdefghijklmnopqrstuvwxyz' })
  personId?: string;
}

export class ReviewPageDto {
  @ApiProperty({ type: [ReviewItemDto] })
  items: ReviewItemDto[];

  @ApiPropertyOptional({ description: 'Present when more items follow: pass it as `cursor`' })
  nextCursor?: string;
}

export class ReviewApprovedDto {
  @ApiProperty()
  reviewId: string;

  @ApiProperty({ enum: ['approved'] })
  state: string;

  @ApiProperty({ example: 'p_abcdefghijklmnopqrstuvwxyz' })
  personId: string;

  @ApiProperty({ type: [String], description: 'Person events the approval recorded', example: ['PersonRegistered', 'EnrollmentRecorded'] })
  recorded: string[];
}

export class ReviewRejectedDto {
  @ApiProperty()
  reviewId: string;

  @ApiProperty({ enum: ['rejected'] })
  state: string;
}
