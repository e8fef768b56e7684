import { Body, Controller, Get, Headers, HttpCode, HttpStatus, Param, Post, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { Caller, RequirePermission } from '../auth/auth.decorators';
import { Principal } from '../auth/principal';
import { ApiProblems } from '../common/api-responses';
import {
  SurveyApprovalDto,
  SurveyAssignmentDto,
  SurveyBatchDto,
  SurveyCancellationDto,
  SurveyProgressQueryDto,
  SurveyResultDto,
  SurveyReturnDto,
  SurveyTaskListQueryDto,
  SURVEY_TASK_ID_PATTERN,
} from './dto/survey.dto';
import {
  SurveyApprovalAnswerDto,
  SurveyBatchOutcomeDto,
  SurveyProgressDto,
  SurveyResultAnswerDto,
  SurveyTaskCommandDto,
  SurveyTaskListPageDto,
  SurveyTaskViewDto,
} from './dto/survey.responses';
import { SurveyBatches } from './survey-batches';
import { SurveyProgressReport } from './survey-progress';
import { SurveyService, TaskCommandAnswer, ifMatchRevision } from './survey.service';

const IF_MATCH = {
  name: 'If-Match',
  required: false,
  description: 'ETag (task stream revision) the caller last read; 412 REVISION_MISMATCH when the task has changed since',
  schema: { type: 'string', pattern: '^(\\*|(W/)?"?-?[0-9]+"?)$', example: '"3"' },
};
const ETAG = { ETag: { description: 'The task stream revision, quoted: send it back as If-Match', schema: { type: 'string' } } };
const TASK_ID = { name: 'taskId', description: 'A survey task id', schema: { type: 'string', pattern: SURVEY_TASK_ID_PATTERN } };
const TASK_NOT_FOUND = {
  status: 404,
  description: '`SURVEY_TASK_NOT_FOUND`: no such task, outside the caller’s region, or (for a surveyor) not its own',
} as const;
const TASK_FINAL = { status: 409, description: '`SURVEY_TASK_ALREADY_FINAL`: the task is approved or cancelled' } as const;
const TASK_FINAL_OR_CLAIMED = {
  status: 409,
  description:
    '`SURVEY_TASK_ALREADY_FINAL`: the task is approved or cancelled; `SURVEY_APPROVAL_IN_PROGRESS`: an approval claimed the result waiting for review and is recording the person’s facts (one left so by an interrupted approval is completed by approving again)',
} as const;
const STALE = { status: 412, description: 'The task changed since the revision given in `If-Match` (`REVISION_MISMATCH`)' } as const;

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
    type: SurveyBatchOutcomeDto,
    description: 'Counts, the tasks issued (or issued by an earlier sending of the batch), and the subjects skipped with a code',
  })
  @ApiProblems(
    { status: 400, description: '`VALIDATION_FAILED`, `REGION_NOT_TOWNSHIP`, `REGION_UNKNOWN`, `INVALID_DUE_DATE`' },
    401,
    403,
    413,
    503,
  )
  createBatch(@Caller() caller: Principal, @Body() dto: SurveyBatchDto): Promise<SurveyBatchOutcomeDto> {
    return this.batches.create(caller, dto);
  }

  @Get('survey-tasks')
  @RequirePermission('survey:read')
  @ApiOperation({
    summary:
      'List survey tasks in due-date order: region (and below), state, surveyor, overdue, household; a surveyor sees the tasks assigned to it',
  })
  @ApiOkResponse({
    type: SurveyTaskListPageDto,
    description: '`items` (task, subject as the registry holds it, overdue flag) and `nextCursor`',
  })
  @ApiProblems(
    400,
    401,
    { status: 403, description: '`FORBIDDEN`, `REGION_OUT_OF_SCOPE`, `SURVEYOR_OUT_OF_SCOPE` (a surveyor asking for another’s tasks)' },
    431,
    503,
  )
  list(@Caller() caller: Principal, @Query() query: SurveyTaskListQueryDto): Promise<SurveyTaskListPageDto> {
    return this.survey.list(caller, query);
  }

  @Get('survey-tasks/:taskId')
  @RequirePermission('survey:read')
  @ApiOperation({
    summary:
      'A survey task (ETag = revision): subject, assignments, every result with its evidence references, returns with their reasons, approval or cancellation, and what changed about the person since the issue',
  })
  @ApiParam(TASK_ID)
  @ApiOkResponse({ type: SurveyTaskViewDto, headers: ETAG })
  @ApiProblems(400, 401, 403, TASK_NOT_FOUND, 431, 503)
  async get(
    @Caller() caller: Principal,
    @Param('taskId') taskId: string,
    @Res({ passthrough: true }) res: Response,
  ): Promise<SurveyTaskViewDto> {
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
  @ApiParam(TASK_ID)
  @ApiOkResponse({ type: SurveyTaskCommandDto, headers: ETAG })
  @ApiProblems(
    400,
    401,
    403,
    TASK_NOT_FOUND,
    TASK_FINAL,
    STALE,
    413,
    { status: 422, description: '`SURVEY_TASK_UNDER_REVIEW`: a result waits for review' },
    431,
    503,
  )
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
  @ApiParam(TASK_ID)
  @ApiOkResponse({ type: SurveyResultAnswerDto, headers: ETAG })
  @ApiProblems(
    {
      status: 400,
      description:
        '`VALIDATION_FAILED`, `INVALID_SURVEY_FIELD` (an outcome’s facts, evidence, visit time), `SURVEY_NOTE_REQUIRED`, citizen ID codes',
    },
    401,
    403,
    TASK_NOT_FOUND,
    { status: 409, description: '`SURVEY_RESULT_ALREADY_SUBMITTED`: another result of the task waits for review' },
    STALE,
    413,
    422,
    431,
    503,
  )
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
  @ApiParam(TASK_ID)
  @ApiOkResponse({ type: SurveyApprovalAnswerDto, headers: ETAG })
  @ApiProblems(
    400,
    401,
    403,
    TASK_NOT_FOUND,
    {
      status: 409,
      description:
        '`SURVEY_PERSON_CHANGED` (the person changed since the issue: approve with the personRevision shown), `SURVEY_TASK_ALREADY_FINAL`, or a person rule the result contradicts (`PERSON_DECEASED`, `PERSON_ALREADY_DECEASED`, `HOUSEHOLD_CANCELLED`): nothing is recorded on the person, and when the refusal came after the approval claimed the result, the claim is released with the code (`approvalRefusal` in the task view)',
    },
    STALE,
    413,
    { status: 422, description: '`SURVEY_RESULT_NOT_SUBMITTED`, `SURVEY_RESULT_NOT_PENDING`, or another person rule' },
    431,
    503,
  )
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
  @ApiParam(TASK_ID)
  @ApiOkResponse({ type: SurveyTaskCommandDto, headers: ETAG })
  @ApiProblems(
    { status: 400, description: '`VALIDATION_FAILED`, `SURVEY_REASON_REQUIRED`' },
    401,
    403,
    TASK_NOT_FOUND,
    TASK_FINAL_OR_CLAIMED,
    STALE,
    413,
    { status: 422, description: '`SURVEY_RESULT_NOT_SUBMITTED`, `SURVEY_RESULT_NOT_PENDING`' },
    431,
    503,
  )
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
  @ApiParam(TASK_ID)
  @ApiOkResponse({ type: SurveyTaskCommandDto, headers: ETAG })
  @ApiProblems(
    { status: 400, description: '`VALIDATION_FAILED`, `SURVEY_REASON_REQUIRED`' },
    401,
    403,
    TASK_NOT_FOUND,
    TASK_FINAL_OR_CLAIMED,
    STALE,
    413,
    431,
    503,
  )
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
  @ApiOkResponse({ type: SurveyProgressDto, description: 'Aggregates only; no person' })
  @ApiProblems(400, 401, 403, 431, 503)
  progressReport(@Caller() caller: Principal, @Query() query: SurveyProgressQueryDto): Promise<SurveyProgressDto> {
    return this.progress.report(caller, query.region);
  }
}
