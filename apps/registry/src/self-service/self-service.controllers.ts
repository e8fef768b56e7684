import { Body, Controller, Get, HttpCode, HttpStatus, Param, Post, Query, Res } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBearerAuth,
  ApiOkResponse,
  ApiOperation,
  ApiProperty,
  ApiPropertyOptional,
  ApiTags,
} from '@nestjs/swagger';
import { SubmissionStates } from '@registry/domain';
import { IsIn, IsOptional, IsString, Length, Matches, MaxLength } from 'class-validator';
import type { Response } from 'express';
import { Caller, RequirePermission } from '../auth/auth.decorators';
import { Principal } from '../auth/principal';
import { ApiProblems, apiPattern } from '../common/api-responses';
import { ProblemException } from '../common/problem';
import { CodeCheckDto, CodeRequestDto, PublicRegistrationDto, StatusQueryDto } from './dto/public.dto';
import {
  CodeSentDto,
  CodeVerifiedDto,
  ReviewApprovedDto,
  ReviewPageDto,
  ReviewRejectedDto,
  StatusAnswerDto,
  SubmissionReceivedDto,
} from './dto/self-service.responses';
import { PhoneVerificationService } from './phone-verification.service';
import { SelfServiceService } from './self-service.service';

const LIST_REGION = /^(\d{2}|\d{4}|\d{6}|\d{9}|\d{12})$/;
const LIMIT = /^\d{1,3}$/;
const VERIFICATION_PURPOSE = { registration: 'registration', 'status-query': 'status-query' } as const;

/** Sets Retry-After from a 429 problem's `retryAfter` seconds before the problem filter answers it. */
async function withRetryAfter<T>(res: Response, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (
      error instanceof ProblemException &&
      error.status === HttpStatus.TOO_MANY_REQUESTS &&
      typeof error.extensions.retryAfter === 'number'
    ) {
      res.setHeader('Retry-After', String(error.extensions.retryAfter));
    }
    throw error;
  }
}

const TOO_MANY = {
  status: 429,
  description:
    'Wait before asking again (`Retry-After` seconds): `CODE_RESEND_TOO_SOON` (60 s per phone), `PHONE_CODE_LIMIT_REACHED` (codes per phone per day), `ID_CODE_LIMIT_REACHED` (per citizen ID per day), `CLIENT_CODE_LIMIT_REACHED` (per channel client per hour), `VERIFICATION_FROZEN` (15 min after 5 wrong codes)',
} as const;
const NEEDS_PROOF = {
  status: 403,
  description:
    'Not a channel client (`FORBIDDEN`), or no phone code verified for this citizen ID, purpose and phone within the last 30 minutes (`VERIFICATION_REQUIRED`: the same answer whether or not the registry knows the ID)',
} as const;

/**
 * The citizens' endpoints, for channel clients (a hall's counter client, the website, a
 * self-service terminal, the mobile app) holding a `channel-client` token with a `channel`
 * claim; staff tokens are refused. The channel is recorded on every event they cause.
 */
@ApiTags('public (channel clients)')
@ApiBearerAuth()
@Controller('v1/public')
export class PublicController {
  constructor(
    private readonly verification: PhoneVerificationService,
    private readonly selfService: SelfServiceService,
  ) {}

  @Post('phone-verifications')
  @HttpCode(HttpStatus.ACCEPTED)
  @RequirePermission('self-service:channel')
  @ApiOperation({
    summary: 'Send a six-digit code to a mobile number (valid 5 minutes); the same answer for any citizen ID',
  })
  @ApiAcceptedResponse({ type: CodeSentDto })
  @ApiProblems(400, 401, { status: 403, description: 'Not a channel client (`FORBIDDEN`)' }, 413, TOO_MANY, {
    status: 503,
    description: 'The code could not be handed to the SMS gateway (`NOTIFICATION_FAILED`), or a store is unavailable',
  })
  async sendCode(
    @Caller() caller: Principal,
    @Body() dto: CodeRequestDto,
    @Res({ passthrough: true }) res: Response,
  ): Promise<CodeSentDto> {
    return withRetryAfter(res, async () => {
      const keys = this.verification.keysFor(dto.phone, this.selfService.parseCitizenId(dto.citizenId));
      return this.verification.send(caller, keys, VERIFICATION_PURPOSE[dto.purpose as keyof typeof VERIFICATION_PURPOSE]);
    });
  }

  @Post('phone-verifications/check')
  @HttpCode(HttpStatus.OK)
  @RequirePermission('self-service:channel')
  @ApiOperation({ summary: 'Check a code: at most 5 wrong tries, then the phone is frozen for 15 minutes' })
  @ApiOkResponse({ type: CodeVerifiedDto })
  @ApiProblems(
    400,
    401,
    { status: 403, description: 'Not a channel client (`FORBIDDEN`)' },
    {
      status: 404,
      description: 'No code with this verification id waits for this phone (`VERIFICATION_NOT_FOUND`; a newer code replaces it)',
    },
    413,
    {
      status: 422,
      description: 'A wrong code (`VERIFICATION_CODE_INVALID`, with `triesLeft`) or an expired one (`VERIFICATION_CODE_EXPIRED`)',
    },
    TOO_MANY,
    503,
  )
  async checkCode(
    @Caller() caller: Principal,
    @Body() dto: CodeCheckDto,
    @Res({ passthrough: true }) res: Response,
  ): Promise<CodeVerifiedDto> {
    return withRetryAfter(res, () => {
      const phoneKey = this.verification.phoneKeyOf(dto.phone);
      return this.verification.check(caller, phoneKey, dto.verificationId, dto.code);
    });
  }

  @Post('registrations')
  @HttpCode(HttpStatus.ACCEPTED)
  @RequirePermission('self-service:channel')
  @ApiOperation({
    summary:
      'Submit a self-service registration with a verified phone; it waits in the review queue of the county of the residence (idempotent per clientSubmissionId)',
  })
  @ApiAcceptedResponse({ type: SubmissionReceivedDto })
  @ApiProblems(
    400,
    401,
    {
      status: 403,
      description: `${NEEDS_PROOF.description}, or a residence outside the channel client's region (\`REGION_OUT_OF_SCOPE\`)`,
    },
    {
      status: 409,
      description: 'The client sent a different submission under this clientSubmissionId before (`SUBMISSION_ALREADY_RECEIVED`)',
    },
    413,
    503,
  )
  submit(@Caller() caller: Principal, @Body() dto: PublicRegistrationDto): Promise<SubmissionReceivedDto> {
    return this.selfService.submit(caller, dto);
  }

  @Post('status-queries')
  @HttpCode(HttpStatus.OK)
  @RequirePermission('self-service:channel')
  @ApiOperation({
    summary:
      'A citizen’s submissions and registration, for their ID, name and a phone code verified with purpose status-query; only what is tied to that phone',
  })
  @ApiOkResponse({ type: StatusAnswerDto })
  @ApiProblems(400, 401, NEEDS_PROOF, 413, 503)
  status(@Caller() caller: Principal, @Body() dto: StatusQueryDto): Promise<StatusAnswerDto> {
    return this.selfService.status(caller, dto);
  }
}

class ReviewListQueryDto {
  @ApiPropertyOptional({
    enum: SubmissionStates.codes,
    description: 'Only submissions in this state (default: all); `approving` finds approvals that were interrupted',
  })
  @IsOptional()
  @IsIn(SubmissionStates.codes)
  state?: string;

  @ApiPropertyOptional({ description: 'This region and below (default: the caller’s region)', pattern: apiPattern(LIST_REGION) })
  @IsOptional()
  @Matches(LIST_REGION, { message: 'region must be a 2, 4, 6, 9 or 12 digit division code' })
  region?: string;

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

class RejectionDto {
  @ApiProperty({ description: 'Why, written for the citizen: the status query shows it to them', minLength: 1, maxLength: 500 })
  @IsString()
  @Length(1, 500)
  reason: string;
}

const REVIEW_ID_PARAM = 'reviewId';

/** The county review queue of self-service registrations (the county of the residence, and the city and province above it). */
@ApiTags('self-service reviews')
@ApiBearerAuth()
@Controller('v1/self-service-reviews')
export class SelfServiceReviewsController {
  constructor(private readonly selfService: SelfServiceService) {}

  @Get()
  @RequirePermission('self-service:review')
  @ApiOperation({ summary: 'Self-service submissions whose residence lies in the caller’s region, oldest first' })
  @ApiOkResponse({ type: ReviewPageDto })
  @ApiProblems(400, 401, 403, 431, 503)
  list(@Caller() caller: Principal, @Query() query: ReviewListQueryDto): Promise<ReviewPageDto> {
    const limit = query.limit === undefined ? undefined : Math.min(500, Math.max(1, Number(query.limit)));
    return this.selfService.reviews(caller, { state: query.state, region: query.region, cursor: query.cursor, limit });
  }

  @Post(`:${REVIEW_ID_PARAM}/approval`)
  @HttpCode(HttpStatus.OK)
  @RequirePermission('self-service:review')
  @ApiOperation({
    summary:
      'Approve: the registration and the intended enrolment are recorded on the person (source self-service, the submission’s channel)',
    description:
      'Claims the submission (state `approving`), records the person’s commands all or nothing, then completes the approval. ' +
      'When the person’s state refuses them, the claim is released back to `pending` with the code (the queue shows it as ' +
      '`approvalRefusal`) and that code is answered. A submission left `approving` by an interrupted approval is completed by ' +
      'approving it again: the person’s commands are idempotent by the submission id.',
  })
  @ApiOkResponse({ type: ReviewApprovedDto })
  @ApiProblems(
    400,
    401,
    403,
    { status: 404, description: 'No such review in the caller’s region (`REVIEW_NOT_FOUND`: the same answer for one outside it)' },
    {
      status: 409,
      description:
        'Already decided (`SUBMISSION_ALREADY_DECIDED`, also when a rejection landed first: the person is untouched), or the person’s ' +
        'state refuses it (`PERSON_DECEASED`, …: the submission is back to pending with that code), or an approval running beside ' +
        'this one released the claim before this one completed (`SUBMISSION_APPROVAL_NOT_STARTED`)',
    },
    413,
    422,
    431,
    503,
  )
  approve(@Caller() caller: Principal, @Param(REVIEW_ID_PARAM) reviewId: string): Promise<ReviewApprovedDto> {
    return this.selfService.approve(caller, reviewId);
  }

  @Post(`:${REVIEW_ID_PARAM}/rejection`)
  @HttpCode(HttpStatus.OK)
  @RequirePermission('self-service:review')
  @ApiOperation({ summary: 'Reject, with a reason the citizen reads in the status query' })
  @ApiOkResponse({ type: ReviewRejectedDto })
  @ApiProblems(
    400,
    401,
    403,
    { status: 404, description: 'No such review in the caller’s region (`REVIEW_NOT_FOUND`)' },
    {
      status: 409,
      description:
        'Already decided (`SUBMISSION_ALREADY_DECIDED`), or an approval has claimed it (`SUBMISSION_APPROVAL_IN_PROGRESS`: ' +
        'it completes, or is released back to pending when the person’s state refuses it)',
    },
    413,
    431,
    503,
  )
  reject(@Caller() caller: Principal, @Param(REVIEW_ID_PARAM) reviewId: string, @Body() dto: RejectionDto): Promise<ReviewRejectedDto> {
    return this.selfService.reject(caller, reviewId, dto.reason);
  }
}
