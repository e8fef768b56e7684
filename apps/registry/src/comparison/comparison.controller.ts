import { Body, Controller, Get, HttpCode, HttpStatus, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { READ_STORE, ReadStore } from '@registry/read-store';
import { Inject } from '@nestjs/common';
import { Caller, RequirePermission } from '../auth/auth.decorators';
import { Principal } from '../auth/principal';
import { ProblemException } from '../common/problem';
import { ReferenceData } from '../reference/reference-data.module';
import { ComparisonRun } from './comparison-run';
import { ComparisonService } from './comparison.service';
import { ReviewService } from './review.service';

class ReviewListQueryDto {
  @ApiPropertyOptional({ enum: ['pending', 'confirmed', 'rejected'] })
  @IsOptional()
  @IsIn(['pending', 'confirmed', 'rejected'])
  state?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(2048)
  cursor?: string;
}

class ConfirmDto {
  @ApiProperty({ description: 'The candidate person the record belongs to' })
  @Matches(/^p_[a-z2-7]{26}$/, { message: 'personId must be a person id' })
  personId: string;
}

class RejectDto {
  @ApiPropertyOptional({ description: 'Why none of the candidates is the person' })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  note?: string;
}

class WorklistQueryDto {
  @ApiProperty({ description: 'Township (9 digits) or any larger region the caller covers' })
  @Matches(/^(\d{2}|\d{4}|\d{6}|\d{9})$/, { message: 'region must be a 2, 4, 6 or 9 digit division code' })
  region: string;

  @ApiPropertyOptional()
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
  async start(@Caller() caller: Principal) {
    return this.view(caller, await this.comparison.start(caller, 'http'));
  }

  @Get('comparison-runs')
  @RequirePermission('report:read')
  @ApiOperation({ summary: 'Recent comparison runs with progress and counts' })
  async list(@Caller() caller: Principal) {
    return (await this.comparison.list()).map((run) => this.view(caller, run));
  }

  @Get('comparison-runs/:runId')
  @RequirePermission('report:read')
  @ApiOperation({ summary: 'A comparison run: phase, progress, counts' })
  async get(@Caller() caller: Principal, @Param('runId') runId: string) {
    const run = await this.comparison.get(runId);
    if (!run) throw new ProblemException(HttpStatus.NOT_FOUND, 'RUN_NOT_FOUND', 'No comparison run with this id.');
    return this.view(caller, run);
  }

  @Get('link-reviews')
  @RequirePermission('review:decide')
  @ApiOperation({ summary: 'Possible links waiting for review in the caller’s region' })
  reviewsList(@Caller() caller: Principal, @Query() query: ReviewListQueryDto) {
    return this.reviews.list(caller, query.state ?? 'pending', query.cursor);
  }

  @Post('link-reviews/:reviewId/confirm')
  @HttpCode(HttpStatus.OK)
  @RequirePermission('review:decide')
  @ApiOperation({ summary: 'Confirm that the record belongs to one of the candidates (recorded as a RecordLinked event)' })
  confirm(@Caller() caller: Principal, @Param('reviewId') id: string, @Body() dto: ConfirmDto) {
    return this.reviews.confirm(caller, id, dto.personId);
  }

  @Post('link-reviews/:reviewId/reject')
  @HttpCode(HttpStatus.OK)
  @RequirePermission('review:decide')
  @ApiOperation({ summary: 'Reject all candidates: the record stays unlinked' })
  reject(@Caller() caller: Principal, @Param('reviewId') id: string, @Body() _dto: RejectDto) {
    return this.reviews.reject(caller, id);
  }

  @Get('survey-worklists/identity-checks')
  @RequirePermission('person:read')
  @ApiOperation({
    summary:
      'Household-survey identity checks: household-register rows of a township (or larger region) with no usable ID that no person could be found for',
  })
  identityChecks(@Caller() caller: Principal, @Query() query: WorklistQueryDto) {
    return this.reviews.identityChecks(caller, query.region, query.cursor);
  }

  @Get('survey-worklists')
  @RequirePermission('person:read')
  @ApiOperation({
    summary: 'Household-survey worklist: uninsured and unresolved persons of a township (or larger region), with what is known about them',
  })
  worklist(@Caller() caller: Principal, @Query() query: WorklistQueryDto) {
    return this.reviews.worklist(caller, query.region, query.cursor);
  }
}
