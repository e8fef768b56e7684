import { Body, Controller, Get, Headers, HttpCode, HttpStatus, Param, Post, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { Caller, RequirePermission } from '../auth/auth.decorators';
import { Principal } from '../auth/principal';
import {
  SurveyApprovalDto,
  SurveyAssignmentDto,
  SurveyBatchDto,
  SurveyCancellationDto,
  SurveyProgressQueryDto,
  SurveyResultDto,
  SurveyReturnDto,
  SurveyTaskListQueryDto,
} from './dto/survey.dto';
import { SurveyBatches } from './survey-batches';
import { SurveyProgressReport } from './survey-progress';
import { SurveyService, TaskCommandAnswer, ifMatchRevision } from './survey.service';

const IF_MATCH = {
  name: 'If-Match',
  required: false,
  description: 'ETag (task stream revision) the caller last read; 412 REVISION_MISMATCH when the task has changed since',
};

function answer<T extends TaskCommandAnswer>(res: Response, outcome: T): T {
  res.setHeader('ETag', `"${outcome.revision}"`);
  return outcome;
}

@ApiTags('household survey')
@ApiBearerAuth()
@Controller('v1')
export class SurveyController {
  constructor(
    private readonly survey: SurveyService,
    private readonly batches: SurveyBatches,
    private readonly progress: SurveyProgressReport,
  ) {}

  @Post('survey-tasks/batches')
  @HttpCode(HttpStatus.OK)
  @RequirePermission('survey:manage')
  @ApiOperation({
    summary:
      'Create survey tasks for a township in bulk: from its worklist (uninsured and unresolved persons, optionally identity checks) or from a list; one task per person, never two in progress for the same person; idempotent per batchId',
  })
  @ApiOkResponse({
    description: 'Counts, the tasks issued (or issued by an earlier sending of the batch), and the subjects skipped with a code',
  })
  createBatch(@Caller() caller: Principal, @Body() dto: SurveyBatchDto) {
    return this.batches.create(caller, dto);
  }

  @Get('survey-tasks')
  @RequirePermission('survey:read')
  @ApiOperation({
    summary:
      'List survey tasks in due-date order: region (and below), state, surveyor, overdue, household; a surveyor sees the tasks assigned to it',
  })
  @ApiOkResponse({ description: '`items` (task, subject as the registry holds it, overdue flag) and `nextCursor`' })
  list(@Caller() caller: Principal, @Query() query: SurveyTaskListQueryDto) {
    return this.survey.list(caller, query);
  }

  @Get('survey-tasks/:taskId')
  @RequirePermission('survey:read')
  @ApiOperation({
    summary:
      'A survey task (ETag = revision): subject, assignments, every result with its evidence references, returns with their reasons, approval or cancellation, and what changed about the person since the issue',
  })
  @ApiOkResponse({ description: 'The task view' })
  async get(@Caller() caller: Principal, @Param('taskId') taskId: string, @Res({ passthrough: true }) res: Response) {
    const view = await this.survey.get(caller, taskId);
    res.setHeader('ETag', `"${view.revision}"`);
    res.setHeader('Cache-Control', 'no-store');
    return view;
  }

  @Post('survey-tasks/:taskId/assignment')
  @HttpCode(HttpStatus.OK)
  @RequirePermission('survey:manage')
  @ApiHeader(IF_MATCH)
  @ApiOperation({ summary: 'Assign or reassign a task to a surveyor (the history is kept), optionally with a new due date' })
  @ApiOkResponse({ description: '`{taskId, revision, state, recorded}`' })
  async assign(
    @Caller() caller: Principal,
    @Param('taskId') taskId: string,
    @Body() dto: SurveyAssignmentDto,
    @Headers('if-match') ifMatch: string | undefined,
    @Res({ passthrough: true }) res: Response,
  ) {
    return answer(res, await this.survey.assign(caller, taskId, dto, ifMatchRevision(ifMatch)));
  }

  @Post('survey-tasks/:taskId/results')
  @HttpCode(HttpStatus.OK)
  @RequirePermission('survey:work')
  @ApiHeader(IF_MATCH)
  @ApiOperation({
    summary:
      "Send a visit's result (outcome, facts, evidence references, visit time); the same resultId again changes nothing; a result that can no longer be the task's is kept aside, never lost",
  })
  @ApiOkResponse({
    description: '`{taskId, revision, state, recorded, resultId, result}`: result is pending-review, set-aside or already-received',
  })
  async submit(
    @Caller() caller: Principal,
    @Param('taskId') taskId: string,
    @Body() dto: SurveyResultDto,
    @Headers('if-match') ifMatch: string | undefined,
    @Res({ passthrough: true }) res: Response,
  ) {
    return answer(res, await this.survey.submit(caller, taskId, dto, ifMatchRevision(ifMatch)));
  }

  @Post('survey-tasks/:taskId/approval')
  @HttpCode(HttpStatus.OK)
  @RequirePermission('survey:approve')
  @ApiHeader(IF_MATCH)
  @ApiOperation({
    summary:
      "Approve the result waiting for review: it becomes the person's facts through the person's own commands (channel survey), each naming the task, outcome and evidence",
  })
  @ApiOkResponse({ description: '`{taskId, revision, state, recorded, personEvents}`' })
  async approve(
    @Caller() caller: Principal,
    @Param('taskId') taskId: string,
    @Body() dto: SurveyApprovalDto,
    @Headers('if-match') ifMatch: string | undefined,
    @Res({ passthrough: true }) res: Response,
  ) {
    return answer(res, await this.survey.approve(caller, taskId, dto, ifMatchRevision(ifMatch)));
  }

  @Post('survey-tasks/:taskId/return')
  @HttpCode(HttpStatus.OK)
  @RequirePermission('survey:review')
  @ApiHeader(IF_MATCH)
  @ApiOperation({ summary: 'Return the result waiting for review to its surveyor, with a reason the surveyor sees' })
  @ApiOkResponse({ description: '`{taskId, revision, state, recorded}`' })
  async returnResult(
    @Caller() caller: Principal,
    @Param('taskId') taskId: string,
    @Body() dto: SurveyReturnDto,
    @Headers('if-match') ifMatch: string | undefined,
    @Res({ passthrough: true }) res: Response,
  ) {
    return answer(res, await this.survey.returnResult(caller, taskId, dto, ifMatchRevision(ifMatch)));
  }

  @Post('survey-tasks/:taskId/cancellation')
  @HttpCode(HttpStatus.OK)
  @RequirePermission('survey:manage')
  @ApiHeader(IF_MATCH)
  @ApiOperation({ summary: 'Cancel a task that is neither approved nor cancelled, with a reason (kept)' })
  @ApiOkResponse({ description: '`{taskId, revision, state, recorded}`' })
  async cancel(
    @Caller() caller: Principal,
    @Param('taskId') taskId: string,
    @Body() dto: SurveyCancellationDto,
    @Headers('if-match') ifMatch: string | undefined,
    @Res({ passthrough: true }) res: Response,
  ) {
    return answer(res, await this.survey.cancel(caller, taskId, dto, ifMatchRevision(ifMatch)));
  }

  @Get('reports/survey-progress')
  @RequirePermission('report:read')
  @ApiOperation({
    summary:
      'Survey progress for a region and each region one level below: tasks by state, overdue, outcomes, cancellations, worklist persons without a task, and the survey’s effect on the coverage rate',
  })
  @ApiOkResponse({ description: 'Aggregates only; no person' })
  progressReport(@Caller() caller: Principal, @Query() query: SurveyProgressQueryDto) {
    return this.progress.report(caller, query.region);
  }
}
