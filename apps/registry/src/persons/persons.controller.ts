import { Body, Controller, Get, Headers, HttpCode, HttpStatus, Param, Post, Query, Res, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { InsuranceTypes, type HouseholdDestination, type RecordedExemptionReason, type SourceRef } from '@registry/domain';
import { Caller, RequirePermission } from '../auth/auth.decorators';
import { Principal } from '../auth/principal';
import { LookupThrottle } from '../auth/throttle';
import { ApiProblems } from '../common/api-responses';
import { ProblemException } from '../common/problem';
import {
  CorrectionDto,
  DeathDto,
  DisclosureRequestDto,
  ExemptionDto,
  EnrollmentDto,
  EnrollmentTransitionDto,
  GetPersonQueryDto,
  HouseholdCancellationDto,
  HouseholdMoveDto,
  ListPersonsQueryDto,
  LookupDto,
} from './dto/person-commands.dto';
import {
  CommandOutcomeDto,
  DisclosedIdDto,
  LookupResultDto,
  PersonHistoryDto,
  PersonListPageDto,
  PersonViewDto,
} from './dto/persons.responses';
import { RegistrationDto } from './dto/registration.dto';
import {
  ENROLLMENT_TRANSITIONS,
  EnrollmentTransition,
  correction,
  death,
  enrollment,
  enrollmentTransition,
  exemption,
  householdCancellation,
  householdMove,
} from './person-commands';
import { CommandOutcome, PersonsService } from './persons.service';

/** `If-Match: "3"` (or W/"3") → 3. */
function expectedRevision(ifMatch: string | undefined): number | undefined {
  if (ifMatch === undefined || ifMatch === '*') return undefined;
  const m = /^(?:W\/)?"?(-?\d+)"?$/.exec(ifMatch.trim());
  if (!m)
    throw new ProblemException(HttpStatus.BAD_REQUEST, 'INVALID_IF_MATCH', 'If-Match must be an ETag from GET /v1/persons/{personId}.');
  return Number(m[1]);
}

function answer(res: Response, outcome: CommandOutcome): CommandOutcome {
  res.setHeader('ETag', `"${outcome.revision}"`);
  return outcome;
}

const ETAG = { ETag: { description: 'The stream revision, quoted: send it back as If-Match', schema: { type: 'string' } } };
const COMMAND_ANSWER = { type: CommandOutcomeDto, description: 'Recorded (or a repeat that changed nothing)', headers: ETAG };
const CONFLICT = {
  status: 409,
  description:
    'The fact contradicts the person’s state (`PERSON_DECEASED`, `ENROLLMENT_ALREADY_SUSPENDED`, …) or a concurrent change outlasted the retries (`CONCURRENCY_CONFLICT`)',
} as const;

const IF_MATCH = {
  name: 'If-Match',
  required: false,
  description: 'ETag (stream revision) the caller last read; 412 when the person has changed since',
  schema: { type: 'string', pattern: '^(\\*|(W/)?"?-?[0-9]+"?)$', example: '"3"' },
};

@ApiTags('persons')
@ApiBearerAuth()
@Controller('v1/persons')
export class PersonsController {
  constructor(private readonly persons: PersonsService) {}

  @Post('registrations')
  @HttpCode(HttpStatus.OK)
  @RequirePermission('person:register')
  @ApiOperation({ summary: 'Report a person record from a source (idempotent per source record)' })
  @ApiOkResponse(COMMAND_ANSWER)
  @ApiProblems(400, 401, 403, CONFLICT, 413, 422, 503)
  async register(
    @Caller() caller: Principal,
    @Body() dto: RegistrationDto,
    @Res({ passthrough: true }) res: Response,
  ): Promise<CommandOutcomeDto> {
    return answer(res, await this.persons.register(caller, dto));
  }

  @Post('lookup')
  @HttpCode(HttpStatus.OK)
  @RequirePermission('person:read')
  @UseGuards(LookupThrottle)
  @ApiOperation({ summary: 'Find the person id for a citizen ID sent in the body (rate-limited per client)' })
  @ApiOkResponse({ type: LookupResultDto })
  @ApiProblems(400, 401, 403, 404, 413, 429, 503)
  lookup(@Caller() caller: Principal, @Body() dto: LookupDto): Promise<LookupResultDto> {
    return this.persons.lookup(caller, dto.citizenId);
  }

  @Get()
  @RequirePermission('person:read')
  @ApiOperation({ summary: 'List persons in the caller’s region from the enrolment read model, with filters and cursor paging' })
  @ApiOkResponse({ type: PersonListPageDto })
  @ApiProblems(400, 401, 403, 431)
  list(@Caller() caller: Principal, @Query() query: ListPersonsQueryDto): Promise<PersonListPageDto> {
    return this.persons.list(caller, query);
  }

  @Get(':personId')
  @RequirePermission('person:read')
  @ApiOperation({ summary: 'A person’s current state (ETag = stream revision), or the state held at `asOf`' })
  @ApiOkResponse({ type: PersonViewDto, headers: ETAG })
  @ApiProblems(
    400,
    401,
    {
      status: 403,
      description:
        'The role lacks person:read (`FORBIDDEN`), person:history for `asOf` (`FORBIDDEN`) or person:unmask (`UNMASK_NOT_ALLOWED`)',
    },
    404,
    431,
    503,
  )
  async get(
    @Caller() caller: Principal,
    @Param('personId') personId: string,
    @Query() query: GetPersonQueryDto,
    @Res({ passthrough: true }) res: Response,
  ): Promise<PersonViewDto> {
    const asOf = this.persons.parseAsOf(query.asOf);
    if (asOf && !caller.can('person:history')) {
      throw new ProblemException(HttpStatus.FORBIDDEN, 'FORBIDDEN', "The caller's role does not allow person:history.");
    }
    const view = await this.persons.get(caller, personId, asOf, query.unmask === 'true');
    res.setHeader('ETag', `"${view.revision}"`);
    res.setHeader('Cache-Control', 'no-store');
    return view;
  }

  @Post(':personId/disclosures')
  @HttpCode(HttpStatus.OK)
  @RequirePermission('person:unmask')
  @ApiOperation({
    summary:
      'The full citizen ID, with the operator’s reason: recorded on the person’s disclosure stream before the answer (the reason sealed), listed in the history',
  })
  @ApiOkResponse({ type: DisclosedIdDto })
  @ApiProblems(400, 401, { status: 403, description: '`FORBIDDEN`: the role lacks person:unmask' }, 404, 413, 431, 503)
  disclose(
    @Caller() caller: Principal,
    @Param('personId') personId: string,
    @Body() dto: DisclosureRequestDto,
    @Res({ passthrough: true }) res: Response,
  ) {
    res.setHeader('Cache-Control', 'no-store');
    return this.persons.disclose(caller, personId, dto.reason);
  }

  @Get(':personId/history')
  @RequirePermission('person:history')
  @ApiOperation({ summary: 'Every event on the person’s stream: type, when it happened and was recorded, by whom, source and channel' })
  @ApiOkResponse({ type: PersonHistoryDto })
  @ApiProblems(400, 401, 403, 404, 431, 503)
  history(@Caller() caller: Principal, @Param('personId') personId: string, @Query() query: GetPersonQueryDto): Promise<PersonHistoryDto> {
    return this.persons.history(caller, personId, query.unmask === 'true');
  }

  @Post(':personId/enrollments')
  @HttpCode(HttpStatus.OK)
  @RequirePermission('enrollment:report')
  @ApiHeader(IF_MATCH)
  @ApiOperation({ summary: 'Report an enrolment (insurance type, contribution status, province, since)' })
  @ApiOkResponse(COMMAND_ANSWER)
  @ApiProblems(400, 401, 403, 404, CONFLICT, 412, 413, 422, 431, 503)
  async enroll(
    @Caller() caller: Principal,
    @Param('personId') personId: string,
    @Body() dto: EnrollmentDto,
    @Headers('if-match') ifMatch: string | undefined,
    @Res({ passthrough: true }) res: Response,
  ): Promise<CommandOutcomeDto> {
    const insuranceType = PersonsService.insuranceType(dto.insuranceType);
    const fields = {
      insuranceType,
      contributionStatus: PersonsService.contributionStatus(dto.contributionStatus),
      provinceCode: dto.provinceCode.slice(0, 2),
      since: dto.since,
    };
    const outcome = await this.persons.report(
      caller,
      personId,
      { ...dto, insuranceType },
      (ref) => enrollment(ref, fields),
      expectedRevision(ifMatch),
    );
    return answer(res, outcome);
  }

  @Post(':personId/enrollments/:insuranceType/:transition')
  @HttpCode(HttpStatus.OK)
  @RequirePermission('enrollment:report')
  @ApiHeader(IF_MATCH)
  @ApiOperation({ summary: 'Suspend, resume or terminate an enrolment (transition = suspension | resumption | termination)' })
  @ApiParam({ name: 'insuranceType', enum: InsuranceTypes.codes, description: 'AAE140 insurance type of the enrolment' })
  @ApiParam({ name: 'transition', enum: Object.keys(ENROLLMENT_TRANSITIONS) })
  @ApiOkResponse(COMMAND_ANSWER)
  @ApiProblems(400, 401, 403, 404, CONFLICT, 412, 413, 422, 431, 503)
  async transition(
    @Caller() caller: Principal,
    @Param('personId') personId: string,
    @Param('insuranceType') rawType: string,
    @Param('transition') transition: string,
    @Body() dto: EnrollmentTransitionDto,
    @Headers('if-match') ifMatch: string | undefined,
    @Res({ passthrough: true }) res: Response,
  ): Promise<CommandOutcomeDto> {
    if (!(transition in ENROLLMENT_TRANSITIONS)) {
      throw new ProblemException(
        HttpStatus.NOT_FOUND,
        'NOT_FOUND',
        'Unknown enrolment transition; use suspension, resumption or termination.',
      );
    }
    const insuranceType = PersonsService.insuranceType(rawType);
    const build = (ref: SourceRef) => enrollmentTransition(ref, transition as EnrollmentTransition, insuranceType, dto.effectiveDate);
    const outcome = await this.persons.report(caller, personId, { ...dto, insuranceType }, build, expectedRevision(ifMatch));
    return answer(res, outcome);
  }

  @Post(':personId/death')
  @HttpCode(HttpStatus.OK)
  @RequirePermission('life-event:report')
  @ApiHeader(IF_MATCH)
  @ApiOperation({ summary: 'Report a death' })
  @ApiOkResponse(COMMAND_ANSWER)
  @ApiProblems(400, 401, 403, 404, CONFLICT, 412, 413, 422, 431, 503)
  async death(
    @Caller() caller: Principal,
    @Param('personId') personId: string,
    @Body() dto: DeathDto,
    @Headers('if-match') ifMatch: string | undefined,
    @Res({ passthrough: true }) res: Response,
  ): Promise<CommandOutcomeDto> {
    return answer(res, await this.persons.report(caller, personId, dto, (ref) => death(ref, dto.dateOfDeath), expectedRevision(ifMatch)));
  }

  @Post(':personId/exemptions')
  @HttpCode(HttpStatus.OK)
  @RequirePermission('life-event:report')
  @ApiHeader(IF_MATCH)
  @ApiOperation({
    summary: 'Record an exemption a household survey found (imprisoned, military service), in effect from since until until',
  })
  @ApiOkResponse(COMMAND_ANSWER)
  @ApiProblems(400, 401, 403, 404, CONFLICT, 412, 413, 422, 431, 503)
  async exemption(
    @Caller() caller: Principal,
    @Param('personId') personId: string,
    @Body() dto: ExemptionDto,
    @Headers('if-match') ifMatch: string | undefined,
    @Res({ passthrough: true }) res: Response,
  ): Promise<CommandOutcomeDto> {
    const reason = dto.reason as RecordedExemptionReason;
    const build = (ref: SourceRef) => exemption(ref, reason, dto.since, dto.until);
    return answer(res, await this.persons.report(caller, personId, dto, build, expectedRevision(ifMatch)));
  }

  @Post(':personId/household-moves')
  @HttpCode(HttpStatus.OK)
  @RequirePermission('life-event:report')
  @ApiHeader(IF_MATCH)
  @ApiOperation({ summary: 'Report a household move within the province (toRegion) or out of it (toProvince)' })
  @ApiOkResponse(COMMAND_ANSWER)
  @ApiProblems(400, 401, 403, 404, CONFLICT, 412, 413, 422, 431, 503)
  async move(
    @Caller() caller: Principal,
    @Param('personId') personId: string,
    @Body() dto: HouseholdMoveDto,
    @Headers('if-match') ifMatch: string | undefined,
    @Res({ passthrough: true }) res: Response,
  ): Promise<CommandOutcomeDto> {
    let destination: HouseholdDestination;
    if (dto.scope === 'within-province') {
      if (!dto.toRegion)
        throw new ProblemException(HttpStatus.BAD_REQUEST, 'VALIDATION_FAILED', 'A move within the province needs toRegion.');
      destination = { scope: 'within-province', toRegion: this.persons.parseRegion(dto.toRegion, 'toRegion') };
    } else {
      if (!dto.toProvince)
        throw new ProblemException(HttpStatus.BAD_REQUEST, 'VALIDATION_FAILED', 'A move out of the province needs toProvince.');
      destination = { scope: 'out-of-province', toProvince: dto.toProvince.slice(0, 2) };
    }
    return answer(
      res,
      await this.persons.report(caller, personId, dto, (ref) => householdMove(ref, destination), expectedRevision(ifMatch)),
    );
  }

  @Post(':personId/household-cancellations')
  @HttpCode(HttpStatus.OK)
  @RequirePermission('life-event:report')
  @ApiHeader(IF_MATCH)
  @ApiOperation({ summary: 'Report a household cancellation (death, emigration, military service, other)' })
  @ApiOkResponse(COMMAND_ANSWER)
  @ApiProblems(400, 401, 403, 404, CONFLICT, 412, 413, 422, 431, 503)
  async cancel(
    @Caller() caller: Principal,
    @Param('personId') personId: string,
    @Body() dto: HouseholdCancellationDto,
    @Headers('if-match') ifMatch: string | undefined,
    @Res({ passthrough: true }) res: Response,
  ): Promise<CommandOutcomeDto> {
    const reason = PersonsService.cancellationReason(dto.reason);
    return answer(
      res,
      await this.persons.report(caller, personId, dto, (ref) => householdCancellation(ref, reason), expectedRevision(ifMatch)),
    );
  }

  @Post(':personId/corrections')
  @HttpCode(HttpStatus.OK)
  @RequirePermission('person:correct')
  @ApiHeader(IF_MATCH)
  @ApiOperation({ summary: 'Correct identity fields (operator, with a reason); resolves conflicts on those fields' })
  @ApiOkResponse(COMMAND_ANSWER)
  @ApiProblems(400, 401, 403, 404, CONFLICT, 412, 413, 422, 431, 503)
  async correct(
    @Caller() caller: Principal,
    @Param('personId') personId: string,
    @Body() dto: CorrectionDto,
    @Headers('if-match') ifMatch: string | undefined,
    @Res({ passthrough: true }) res: Response,
  ): Promise<CommandOutcomeDto> {
    const corrections = { ...dto.corrections };
    if (corrections.householdRegion) {
      corrections.householdRegion = this.persons.parseRegion(corrections.householdRegion, 'corrections.householdRegion');
    }
    const build = (ref: SourceRef) => correction(ref, caller.subject, dto.reason, corrections);
    const fact = { source: 'operator', sourceRecordId: dto.sourceRecordId };
    return answer(res, await this.persons.report(caller, personId, fact, build, expectedRevision(ifMatch)));
  }
}
