import { HttpStatus, Injectable } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { PersonId, displayRegionCode } from '@registry/domain';
import { ReadModelNotReadyError } from '@registry/projections';
import { Filter } from '@registry/read-store';
import { ReadRecorder } from '../audit/read-recorder';
import { Principal } from '../auth/principal';
import { Clock } from '../common/clock';
import { ProblemException } from '../common/problem';
import { PersonsService, notFound } from '../persons/persons.service';
import { ProjectionsService } from '../projections/projections.service';
import { ReferenceData } from '../reference/reference-data.module';
import type { OptOutAnswerDto, OptOutDto, ReminderPageDto } from './reminders.controller';
import { ExecuteRecipientCommands } from './reminder-aggregates';
import { REMINDERS_COLLECTION, REMINDERS_PROJECTION, ReminderDocument } from './projections/reminders.projection';

export interface ReminderQuery {
  region?: string;
  state?: string;
  rule?: string;
  personId?: string;
  cursor?: string;
  limit?: number;
}

/** Staff views of reminders and the opt-out. */
@Injectable()
export class RemindersService {
  constructor(
    private readonly commands: CommandBus,
    private readonly projections: ProjectionsService,
    private readonly persons: PersonsService,
    private readonly reference: ReferenceData,
    private readonly clock: Clock,
    private readonly recorder: ReadRecorder,
  ) {}

  async list(caller: Principal, query: ReminderQuery): Promise<ReminderPageDto> {
    let prefix = caller.regionPrefix;
    if (query.region !== undefined) {
      prefix = this.reference.regionParam(query.region, 'region');
      if (!caller.covers(prefix)) {
        throw new ProblemException(HttpStatus.FORBIDDEN, 'REGION_OUT_OF_SCOPE', "The requested region lies outside the caller's region.");
      }
    }
    let collection;
    try {
      collection = await this.projections.collection<ReminderDocument>(REMINDERS_PROJECTION, REMINDERS_COLLECTION);
    } catch (error) {
      if (error instanceof ReadModelNotReadyError) return { items: [] };
      throw error;
    }
    // Reminders of persons without a region are the province's.
    const filter: Filter = {
      ...(prefix === this.reference.provinceCode ? {} : { region: { prefix } }),
      ...(query.state !== undefined && { state: query.state }),
      ...(query.rule !== undefined && { rule: query.rule }),
      ...(query.personId !== undefined && { personId: query.personId }),
    };
    const page = await collection.find(filter, { sort: [['scheduledAt', 1]], limit: query.limit ?? 50, cursor: query.cursor });
    // Which rule reminded whom says who is uninsured or behind with contributions: a read of those persons.
    this.recorder.record(caller, 'reminders', [...new Set(page.items.map((d) => d.personId))]);
    return {
      items: page.items.map((d) => ({
        reminderId: d._id,
        personId: d.personId,
        rule: d.rule,
        period: d.period,
        template: d.template,
        state: d.state,
        region: d.region === null ? null : displayRegionCode(d.region),
        attempts: d.attempts,
        scheduledAt: d.scheduledAt,
        ...(d.sentAt !== undefined && { sentAt: d.sentAt }),
        ...(d.deliveredAt !== undefined && { deliveredAt: d.deliveredAt }),
        ...(d.failure !== undefined && { failure: d.failure }),
        ...(d.withdrawnReason !== undefined && { withdrawnReason: d.withdrawnReason }),
      })),
      ...(page.nextCursor !== undefined && { nextCursor: page.nextCursor }),
    };
  }

  /** A person the caller may see stops getting reminders: recorded on their recipient stream, honoured at every send after it. */
  async optOut(caller: Principal, dto: OptOutDto): Promise<OptOutAnswerDto> {
    if ((dto.citizenId === undefined) === (dto.personId === undefined)) {
      throw new ProblemException(HttpStatus.BAD_REQUEST, 'VALIDATION_FAILED', 'Give exactly one of citizenId and personId.', {
        errors: [
          { field: dto.citizenId === undefined ? 'personId' : 'citizenId', code: 'EXACTLY_ONE', message: 'give citizenId or personId' },
        ],
      });
    }
    const personId: PersonId =
      dto.citizenId !== undefined
        ? this.persons.personIdOf(this.persons.parseCitizenId(dto.citizenId))
        : this.persons.parsePersonIdParam(dto.personId!);
    await this.persons.loadVisible(caller, personId).catch((error: unknown) => {
      throw error instanceof ProblemException ? error : notFound();
    });
    const [outcome] = await this.commands.execute(
      new ExecuteRecipientCommands(
        [
          {
            key: null,
            id: personId,
            command: { type: 'OptOutOfReminders', data: { at: this.clock.now().toISOString(), via: caller.subject } },
          },
        ],
        this.persons.context(caller),
      ),
    );
    if (outcome.status === 'refused') throw outcome.error;
    return { personId, optedOut: true, recorded: outcome.events.map((e) => e.type) };
  }
}
