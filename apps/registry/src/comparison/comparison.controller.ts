import { Body, Controller, Get, HttpCode, HttpStatus, Param, Post, Query } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBearerAuth,
  ApiOkResponse,
  ApiOperation,
  ApiProperty,
  ApiPropertyOptional,
  ApiTags,
} from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { READ_STORE, ReadStore } from '@registry/read-store';
import { Inject } from '@nestjs/common';
import { Caller, RequirePermission } from '../auth/auth.decorators';
import { Principal } from '../auth/principal';
import { ApiProblems } from '../common/api-responses';
import { ProblemException } from '../common/problem';
import { ReadRecorder } from '../audit/read-recorder';
import { ReferenceData } from '../reference/reference-data.module';
import { ComparisonRun } from './comparison-run';
import { ComparisonService } from './comparison.service';
import {
  ComparisonRunDto,
  IdentityCheckPageDto,
  LinkReviewPageDto,
  ReviewConfirmedDto,
  ReviewRejectedDto,
  WorklistPageDto,
} from './dto/comparison.responses';
import { ReviewService } from './review.service';

class ReviewListQueryDto {
  @ApiPropertyOptional({ enum: ['pending', 'confirmed', 'rejected'] })
  @IsOptional()
  @IsIn(['pending', 'confirmed', 'rejected'])
  state?: string;

  @ApiPropertyOptional({ maxLength: 2048 })
  @IsOptional()
  @IsString()
  @MaxLength(2048)
  cursor?: string;
}

class StartRunDto {
  @ApiPropertyOptional({
    enum: ['full', 'changes'],
    default: 'full',
    description:
      '`full`: every person of the province. `changes`: only what changed since the last completed run (the same verdicts a full run would give); with no completed run before, a full run.',
  })
  @IsOptional()
  @IsIn(['full', 'changes'])
  scope?: 'full' | 'changes';
}

class ConfirmDto {
  @ApiProperty({ description: 'The candidate person the record belongs to', pattern: '^p_[a-z2-7]{26}$' })
  @Matches(/^p_[a-z2-7]{26}$/, { message: 'personId must be a person id' })
  personId: string;
}

class RejectDto {
  @ApiPropertyOptional({ description: 'Why none of the candidates is the person', maxLength: 500 })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  note?: string;
}

class WorklistQueryDto {
  @ApiProperty({
    description: 'Township (9 digits) or any larger region the caller covers',
    pattern: '^([0-9]{2}|[0-9]{4}|[0-9]{6}|[0-9]{9})$',
  })
  @Matches(/^(\d{2}|\d{4}|\d{6}|\d{9})$/, { message: 'region must be a 2, 4, 6 or 9 digit division code' })
  region: string;

  @ApiPropertyOptional({ maxLength: 2048 })
  @IsOptional()
  @IsString()
  @MaxLength(2048)
  cursor?: string;
}

@ApiTags('comparison')
@ApiBearerAuth()
@Controller('v1')
export class ComparisonController {
  constructor(
    private readonly comparison: ComparisonService,
    private readonly reviews: ReviewService,
    @Inject(READ_STORE) private readonly reads: ReadStore,
    private readonly reference: ReferenceData,
    private readonly recorder: ReadRecorder,
  ) {}

  /** A run's counts and progress figures are province-wide aggregates: shown only to callers covering the province. */
  private view(caller: Principal, run: ComparisonRun) {
    if (caller.covers(this.reference.provinceCode)) return run;
    const { counts: _counts, progress, ...rest } = run;
    return { ...rest, progress: { phase: progress.phase } };
  }

  @Post('comparison-runs')
  @HttpCode(HttpStatus.ACCEPTED)
  @RequirePermission('ops:manage')
  @ApiOperation({ summary: 'Start a comparison run (one at a time; 409 COMPARISON_RUNNING while one runs)' })
  @ApiAcceptedResponse({ type: ComparisonRunDto, description: 'Started; follow it at GET /v1/comparison-runs/{runId}' })
  @ApiProblems(400, 401, 403, { status: 409, description: '`COMPARISON_RUNNING`: one run at a time' })
  async start(@Caller() caller: Principal, @Body() dto: StartRunDto): Promise<ComparisonRunDto> {
    return this.view(caller, await this.comparison.start(caller, 'http', { scope: dto?.scope }));
  }

  @Get('comparison-runs')
  @RequirePermission('report:read')
  @ApiOperation({ summary: 'Recent comparison runs with progress and counts' })
  @ApiOkResponse({ type: [ComparisonRunDto] })
  @ApiProblems(401, 403)
  async list(@Caller() caller: Principal): Promise<ComparisonRunDto[]> {
    return (await this.comparison.list()).map((run) => this.view(caller, run));
  }

  @Get('comparison-runs/:runId')
  @RequirePermission('report:read')
  @ApiOperation({ summary: 'A comparison run: phase, progress, counts' })
  @ApiOkResponse({ type: ComparisonRunDto })
  @ApiProblems(400, 401, 403, 404, 431)
  async get(@Caller() caller: Principal, @Param('runId') runId: string): Promise<ComparisonRunDto> {
    const run = await this.comparison.get(runId);
    if (!run) throw new ProblemException(HttpStatus.NOT_FOUND, 'RUN_NOT_FOUND', 'No comparison run with this id.');
    return this.view(caller, run);
  }

  @Get('link-reviews')
  @RequirePermission('review:decide')
  @ApiOperation({ summary: 'Possible links waiting for review in the caller’s region' })
  @ApiOkResponse({ type: LinkReviewPageDto })
  @ApiProblems(400, 401, 403, 431)
  async reviewsList(@Caller() caller: Principal, @Query() query: ReviewListQueryDto): Promise<LinkReviewPageDto> {
    const page = await this.reviews.list(caller, query.state ?? 'pending', query.cursor);
    this.recorder.record(
      caller,
      'link-reviews',
      page.items.flatMap((r: { candidates: Array<{ personId: string }> }) => r.candidates.map((c) => c.personId)),
    );
    return page;
  }

  @Post('link-reviews/:reviewId/confirm')
  @HttpCode(HttpStatus.OK)
  @RequirePermission('review:decide')
  @ApiOperation({ summary: 'Confirm that the record belongs to one of the candidates (recorded as a RecordLinked event)' })
  @ApiOkResponse({ type: ReviewConfirmedDto })
  @ApiProblems(
    { status: 400, description: '`VALIDATION_FAILED`, or `NOT_A_CANDIDATE`: personId is not one of the review’s candidates' },
    401,
    403,
    404,
    { status: 409, description: '`REVIEW_ALREADY_DECIDED`, or the link contradicts the person’s state' },
    413,
    422,
    431,
    503,
  )
  confirm(@Caller() caller: Principal, @Param('reviewId') id: string, @Body() dto: ConfirmDto): Promise<ReviewConfirmedDto> {
    return this.reviews.confirm(caller, id, dto.personId);
  }

  @Post('link-reviews/:reviewId/reject')
  @HttpCode(HttpStatus.OK)
  @RequirePermission('review:decide')
  @ApiOperation({ summary: 'Reject all candidates: the record stays unlinked' })
  @ApiOkResponse({ type: ReviewRejectedDto })
  @ApiProblems(400, 401, 403, 404, { status: 409, description: '`REVIEW_ALREADY_DECIDED`' }, 413, 431)
  reject(@Caller() caller: Principal, @Param('reviewId') id: string, @Body() _dto: RejectDto): Promise<ReviewRejectedDto> {
    return this.reviews.reject(caller, id);
  }

  @Get('survey-worklists/identity-checks')
  @RequirePermission('person:read')
  @ApiOperation({
    summary:
      'Household-survey identity checks: household-register rows of a township (or larger region) with no usable ID that no person could be found for',
  })
  @ApiOkResponse({ type: IdentityCheckPageDto })
  @ApiProblems(400, 401, 403, 431)
  async identityChecks(@Caller() caller: Principal, @Query() query: WorklistQueryDto): Promise<IdentityCheckPageDto> {
    const page = await this.reviews.identityChecks(caller, query.region, query.cursor);
    this.recorder.record(caller, 'identity-checks', [], page.items.length);
    return page;
  }

  @Get('survey-worklists')
  @RequirePermission('person:read')
  @ApiOperation({
    summary: 'Household-survey worklist: uninsured and unresolved persons of a township (or larger region), with what is known about them',
  })
  @ApiOkResponse({ type: WorklistPageDto })
  @ApiProblems(400, 401, 403, 431)
  async worklist(@Caller() caller: Principal, @Query() query: WorklistQueryDto): Promise<WorklistPageDto> {
    const page = await this.reviews.worklist(caller, query.region, query.cursor);
    this.recorder.record(
      caller,
      'survey-worklist',
      page.items.map((p: { personId: string }) => p.personId),
    );
    return page;
  }
}
