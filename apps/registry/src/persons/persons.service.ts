import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import {
  CitizenId,
  ContributionStatus,
  Gender,
  HouseholdCancellationReason,
  InsuranceType,
  PersonCommand,
  PersonId,
  PersonState,
  SourceKind,
  SourceRef,
  displayRegionCode,
  parsePersonId,
  personIdFor,
} from '@registry/domain';
import { ConcurrencyError, EVENT_STORE, EventStore, RecordedEvent } from '@registry/event-store';
import { ReadModelNotReadyError } from '@registry/projections';
import { Filter } from '@registry/read-store';
import { randomUUID } from 'node:crypto';
import { Principal } from '../auth/principal';
import { ReadRecorder } from '../audit/read-recorder';
import { CommandContext } from '../common/event-sourcing/command-context';
import { ProblemException } from '../common/problem';
import { KeyRing } from '../config/key-ring';
import { IdentityDisclosure } from '../privacy/identity-disclosure';
import { PersonalDataProtector } from '../privacy/personal-data';
import { ProjectionsService } from '../projections/projections.service';
import { ReferenceData } from '../reference/reference-data.module';
import { ListPersonsQueryDto } from './dto/person-commands.dto';
import { RegistrationDto } from './dto/registration.dto';
import { ExecutePersonCommands } from './execute-person-commands';
import { PersonStreams } from './person-aggregate';
import { registrationCommands } from './person-commands';
import { historyEntry, personView } from './person-view';
import { PersonDocument, PersonalFields } from './projections/person-document';
import { PERSONS_COLLECTION, PERSONS_PROJECTION } from './projections/persons.projection';

/** The persons list's order (see list): the region and coverage indexes' order after their equalities. */
export const LIST_ORDER: Array<[string, 1]> = [
  ['householdRegion', 1],
  ['_id', 1],
];

const STAFF_SOURCES: readonly string[] = ['operator', 'self-service'];

export interface CommandOutcome {
  personId: string;
  revision: number;
  maskedCitizenId: string;
  /** Event types this request recorded (empty when it was a repeat). */
  recorded: string[];
}

export function notFound(): ProblemException {
  // One answer for "no such person" and "not in your region": nothing is revealed.
  return new ProblemException(HttpStatus.NOT_FOUND, 'PERSON_NOT_FOUND', 'No person with this id is visible to the caller.');
}

/**
 * The person capability's application service: access rules (region scope, source
 * ownership), parsing of request values into domain types, and mapping of results. Writes
 * go through the CommandBus to the one person command handler.
 */
@Injectable()
export class PersonsService {
  constructor(
    private readonly commands: CommandBus,
    private readonly persons: PersonStreams,
    private readonly reference: ReferenceData,
    private readonly keys: KeyRing,
    private readonly protector: PersonalDataProtector,
    private readonly projections: ProjectionsService,
    @Inject(EVENT_STORE) private readonly events: EventStore,
    private readonly recorder: ReadRecorder,
  ) {}

  context(caller: Principal, channel: CommandContext['channel'] = 'http', correlationId?: string): CommandContext {
    return {
      operator: caller.subject,
      role: caller.roles.join(','),
      region: caller.region,
      channel,
      sourceSystem: caller.source,
      correlationId,
    };
  }

  parseCitizenId(raw: string): CitizenId {
    const parsed = CitizenId.parse(raw);
    if (!parsed.ok) {
      throw new ProblemException(HttpStatus.BAD_REQUEST, parsed.reasons[0].code, 'The citizen ID is not valid.', {
        errors: parsed.reasons.map((r) => ({ field: 'citizenId', code: r.code, message: r.message })),
      });
    }
    return parsed.value;
  }

  parseRegion(raw: string, field: string): string {
    return this.reference.regionParam(raw, field);
  }

  personIdOf(citizenId: CitizenId): PersonId {
    return personIdFor(citizenId, this.keys.personIdKey);
  }

  parsePersonIdParam(raw: string): PersonId {
    const id = parsePersonId(raw);
    if (!id) throw notFound();
    return id;
  }

  /** Which sources a caller may report as: a service client its own system, staff the counter channels. */
  checkSource(caller: Principal, source: string, insuranceType?: string): void {
    const allowed = new Set<string>();
    if (caller.roles.includes('service-client') && caller.source) allowed.add(caller.source);
    if (caller.roles.some((r) => r !== 'service-client')) STAFF_SOURCES.forEach((s) => allowed.add(s));
    if (!allowed.has(source)) {
      throw new ProblemException(HttpStatus.FORBIDDEN, 'SOURCE_NOT_OWNED', 'The caller may not report facts for this source system.');
    }
    if (
      insuranceType &&
      caller.roles.includes('service-client') &&
      caller.insuranceTypes &&
      !caller.insuranceTypes.includes(insuranceType)
    ) {
      throw new ProblemException(
        HttpStatus.FORBIDDEN,
        'INSURANCE_TYPE_NOT_OWNED',
        "The caller's business system does not own this insurance type.",
      );
    }
  }

  regionOf(state: PersonState): string {
    if (state.status === 'unregistered') return '';
    return state.person.fields.householdRegion?.value ?? this.reference.provinceCode;
  }

  /** Whether the caller may see a person in this state: registered, and within the caller's region. */
  visibleTo(caller: Principal, state: PersonState): boolean {
    return state.status !== 'unregistered' && caller.covers(this.regionOf(state));
  }

  /** Loads a person the caller may see, or answers 404 whether it does not exist or lies outside. */
  async loadVisible(caller: Principal, personId: PersonId, asOf?: Date) {
    const loaded = await this.persons.load(personId, asOf);
    if (loaded.state.status === 'unregistered' && asOf) {
      // A person that exists now but did not then: visible only if in scope now.
      if (!this.visibleTo(caller, (await this.persons.load(personId)).state)) throw notFound();
      return loaded;
    }
    if (!this.visibleTo(caller, loaded.state)) throw notFound();
    return loaded;
  }

  /**
   * Commands for one person from one request, through the one command path. With
   * `mustBeVisible` they apply only to a person the caller may see, checked on the state the
   * commands are decided on (one read of the stream); a refusal is thrown for the problem filter.
   */
  private async execute(
    caller: Principal,
    personId: PersonId,
    commands: PersonCommand[],
    options: { expectedRevision?: number; mustBeVisible: boolean },
  ): Promise<CommandOutcome> {
    const authorize = options.mustBeVisible
      ? (state: PersonState) => {
          if (!this.visibleTo(caller, state)) throw notFound();
        }
      : undefined;
    let outcomes;
    try {
      outcomes = await this.commands.execute(
        new ExecutePersonCommands(
          commands.map((command) => ({
            key: null,
            id: personId,
            command,
            expectedRevision: options.expectedRevision,
            authorize,
            // The answer shows the (masked) citizen ID.
            openSealed: true,
          })),
          this.context(caller),
        ),
      );
    } catch (error) {
      if (error instanceof ConcurrencyError && options.expectedRevision !== undefined) {
        throw new ProblemException(
          HttpStatus.PRECONDITION_FAILED,
          'REVISION_MISMATCH',
          'The person has changed since the revision given in If-Match.',
        );
      }
      throw error;
    }
    const refused = outcomes.find((o) => o.status === 'refused');
    if (refused?.status === 'refused') throw refused.error;
    const applied = outcomes.filter((o) => o.status === 'applied');
    const last = applied[applied.length - 1];
    const citizenId = !last || last.state.status === 'unregistered' ? '' : last.state.person.citizenId;
    return {
      personId,
      revision: last?.revision ?? -1,
      maskedCitizenId: IdentityDisclosure.for(caller).maskId(citizenId),
      recorded: applied.flatMap((o) => o.events.map((e) => e.type)),
    };
  }

  /** A fact about an existing person: visible to the caller, reported for a source it owns. */
  async report(
    caller: Principal,
    rawPersonId: string,
    fact: { source: string; sourceRecordId?: string; occurredAt?: string; insuranceType?: string },
    build: (ref: SourceRef) => PersonCommand,
    expectedRevision: number | undefined,
  ): Promise<CommandOutcome> {
    const personId = this.parsePersonIdParam(rawPersonId);
    this.checkSource(caller, fact.source, fact.insuranceType);
    const ref: SourceRef = {
      source: fact.source as SourceKind,
      sourceRecordId: fact.sourceRecordId ?? `http-${randomUUID()}`,
      occurredAt: fact.occurredAt ?? new Date().toISOString(),
    };
    return this.execute(caller, personId, [build(ref)], { expectedRevision, mustBeVisible: true });
  }

  async register(caller: Principal, dto: RegistrationDto): Promise<CommandOutcome> {
    this.checkSource(caller, dto.source);
    const citizenId = this.parseCitizenId(dto.citizenId);
    const region = this.parseRegion(dto.householdRegion, 'householdRegion');
    if (!caller.covers(region)) {
      throw new ProblemException(HttpStatus.FORBIDDEN, 'REGION_OUT_OF_SCOPE', "The household region lies outside the caller's region.");
    }
    if (region.slice(0, 2) !== this.reference.provinceCode) {
      throw new ProblemException(HttpStatus.BAD_REQUEST, 'REGION_OUTSIDE_PROVINCE', 'The household region is not in this province.');
    }
    const ref: SourceRef = {
      source: dto.source as SourceKind,
      sourceRecordId: dto.sourceRecordId,
      occurredAt: dto.occurredAt ?? new Date().toISOString(),
    };
    const commands = registrationCommands(ref, {
      citizenId,
      name: dto.name,
      gender: dto.gender as Gender,
      birthDate: dto.birthDate,
      householdRegion: region,
      householdAddress: dto.householdAddress,
      phone: dto.phone,
      householdStatus: dto.householdStatus,
      cancellationReason: dto.cancellationReason as HouseholdCancellationReason | undefined,
    });
    return this.execute(caller, this.personIdOf(citizenId), commands, { mustBeVisible: false });
  }

  async lookup(caller: Principal, rawCitizenId: string): Promise<{ personId: string; maskedCitizenId: string }> {
    const citizenId = this.parseCitizenId(rawCitizenId);
    const personId = this.personIdOf(citizenId);
    await this.loadVisible(caller, personId);
    return { personId, maskedCitizenId: IdentityDisclosure.for(caller).maskId(citizenId.value) };
  }

  async get(caller: Principal, rawPersonId: string, asOf: Date | undefined, unmask: boolean) {
    const personId = this.parsePersonIdParam(rawPersonId);
    const loaded = await this.loadVisible(caller, personId, asOf);
    // An unmasking is recorded on the disclosure stream before the answer; other reads are batched.
    if (unmask) await this.recordDisclosure(caller, personId, 'person');
    else this.recorder.record(caller, asOf ? 'person-as-of' : 'person', [personId]);
    const view = personView(
      personId,
      loaded.state,
      loaded.revision,
      this.reference.provinceCode,
      IdentityDisclosure.for(caller),
      unmask,
      (asOf ?? new Date()).toISOString().slice(0, 10),
    );
    if (!view) throw notFound();
    return view;
  }

  async history(caller: Principal, rawPersonId: string, unmask: boolean) {
    const personId = this.parsePersonIdParam(rawPersonId);
    const loaded = await this.loadVisible(caller, personId);
    if (unmask) await this.recordDisclosure(caller, personId, 'history');
    else this.recorder.record(caller, 'history', [personId]);
    const disclosures = await this.events.readStream(disclosureStream(personId));
    return {
      personId,
      revision: loaded.revision,
      events: loaded.events.map((e) => historyEntry(e, IdentityDisclosure.for(caller), unmask)),
      disclosures: disclosures.map((d) => this.disclosureEntry(caller, d)),
    };
  }

  /** A recorded unmasking; its reason is shown to those who may unmask (auditors, the province admin). */
  private disclosureEntry(caller: Principal, event: RecordedEvent) {
    const data = event.data as { view: string; reasoned?: boolean };
    let reason: string | undefined;
    if (data.reasoned && caller.can('person:unmask')) {
      reason = (this.protector.openData(event) as { personal?: { reason?: string } }).personal?.reason;
    }
    return {
      at: event.recordedAt,
      operator: event.metadata.operator,
      role: event.metadata.role,
      region: event.metadata.region,
      view: data.view,
      reasoned: data.reasoned === true,
      ...(reason === undefined ? {} : { reason }),
    };
  }

  /**
   * An unmasking with the operator's reason (the console asks for one): recorded before the
   * answer, the reason sealed with the event's personal part (free text may name people), and
   * answered with the full ID and the record of the disclosure, so the operator sees that it
   * was recorded.
   */
  async disclose(caller: Principal, rawPersonId: string, reason: string) {
    const personId = this.parsePersonIdParam(rawPersonId);
    const loaded = await this.loadVisible(caller, personId);
    const recorded = await this.recordDisclosure(caller, personId, 'person', reason);
    const view = personView(
      personId,
      loaded.state,
      loaded.revision,
      this.reference.provinceCode,
      IdentityDisclosure.for(caller),
      true,
      new Date().toISOString().slice(0, 10),
    );
    if (!view?.citizenId) throw notFound();
    return {
      personId,
      citizenId: view.citizenId,
      maskedCitizenId: view.maskedCitizenId,
      disclosure: {
        at: recorded.recordedAt,
        operator: caller.subject,
        role: caller.primaryRole,
        region: caller.region,
        view: 'person',
        reasoned: true,
        reason,
      },
    };
  }

  /** Every unmasking is recorded on the person's disclosure stream, for auditors. */
  private async recordDisclosure(caller: Principal, personId: PersonId, view: string, reason?: string): Promise<{ recordedAt: string }> {
    if (!caller.can('person:unmask')) {
      throw new ProblemException(HttpStatus.FORBIDDEN, 'UNMASK_NOT_ALLOWED', "The caller's role may not see full citizen IDs.");
    }
    const occurredAt = new Date().toISOString();
    const event = this.protector.encodeEvent({
      id: randomUUID(),
      type: 'PersonalDataDisclosed',
      data: { personId, view, fields: ['citizenId'], ...(reason === undefined ? {} : { reasoned: true, personal: { reason } }) },
      metadata: { ...this.context(caller), occurredAt },
    });
    await this.events.appendToStream(disclosureStream(personId), [event]);
    return { recordedAt: occurredAt };
  }

  async list(caller: Principal, query: ListPersonsQueryDto) {
    const filter: Filter = {};
    const region = query.region === undefined ? undefined : this.reference.regionParam(query.region, 'region');
    if (region && !caller.covers(region)) {
      throw new ProblemException(HttpStatus.FORBIDDEN, 'REGION_OUT_OF_SCOPE', "The requested region lies outside the caller's region.");
    }
    const scope =
      region ?? (caller.regionPrefix.length > 2 || caller.regionPrefix !== this.reference.provinceCode ? caller.regionPrefix : undefined);
    // Region codes nest by prefix (see isWithinRegion): one range of the household-region index.
    if (scope) filter.householdRegion = { prefix: scope };
    if (query.coverageStatus) filter.coverageStatus = query.coverageStatus;
    if (query.insuranceType && query.contributionStatus) filter.enrollmentStatuses = `${query.insuranceType}:${query.contributionStatus}`;
    else if (query.insuranceType) filter.insuranceTypes = query.insuranceType;
    else if (query.contributionStatus) {
      throw new ProblemException(HttpStatus.BAD_REQUEST, 'VALIDATION_FAILED', 'contributionStatus filters need an insuranceType.');
    }
    if (query.hasAnomalies) filter.hasAnomalies = query.hasAnomalies === 'true';
    if (query.hasConflicts) filter.hasConflicts = query.hasConflicts === 'true';
    const limit = query.limit ? Math.min(Math.max(Number(query.limit), 1), 500) : 50;
    let collection;
    try {
      collection = await this.projections.collection<PersonDocument>(PERSONS_PROJECTION, PERSONS_COLLECTION);
    } catch (error) {
      if (error instanceof ReadModelNotReadyError) return { items: [], nextCursor: undefined };
      throw error;
    }
    // Household region, then person id: the order of the region and coverage indexes, so a
    // page is one index range read as far as the page goes (see README, "Paging").
    const page = await collection.find(filter, { sort: LIST_ORDER, limit, cursor: query.cursor });
    this.recorder.record(
      caller,
      'persons-list',
      page.items.map((doc) => doc._id),
    );
    const disclosure = IdentityDisclosure.for(caller);
    return {
      items: page.items.map((doc) => {
        const personal = this.protector.openFromDocument<PersonalFields>(doc._id, doc.personal);
        return {
          personId: doc._id,
          revision: doc.revision,
          maskedCitizenId: disclosure.remask(doc.maskedCitizenId),
          name: personal?.name,
          gender: doc.gender,
          ...disclosure.birth(doc.birthDate),
          householdRegion: doc.householdRegion && displayRegionCode(doc.householdRegion),
          householdStatus: doc.householdStatus,
          deceased: doc.deceased,
          coverageStatus: doc.coverageStatus,
          exemptionReason: doc.exemptionReason,
          insuranceTypes: doc.insuranceTypes,
          enrollmentStatuses: doc.enrollmentStatuses,
          coverageFlags: doc.coverageFlags,
          anomalies: doc.anomalies,
          openConflicts: doc.openConflicts.length,
          updatedAt: doc.updatedAt,
        };
      }),
      nextCursor: page.nextCursor,
    };
  }

  parseAsOf(raw: string | undefined): Date | undefined {
    if (!raw) return undefined;
    const value = /^\d{4}-\d{2}-\d{2}$/.test(raw) ? `${raw}T23:59:59.999Z` : raw;
    const at = new Date(value);
    if (Number.isNaN(at.getTime()) || !/^\d{4}-\d{2}-\d{2}/.test(raw)) {
      throw new ProblemException(HttpStatus.BAD_REQUEST, 'INVALID_AS_OF', 'asOf must be a date (YYYY-MM-DD) or an ISO 8601 timestamp.');
    }
    return at;
  }

  static insuranceType(raw: string): InsuranceType {
    if (!['110', '120', '170', '210', '310', '390', '410', '510'].includes(raw)) {
      throw new ProblemException(
        HttpStatus.BAD_REQUEST,
        'INVALID_INSURANCE_TYPE',
        'insuranceType must be an AAE140 code such as 110 or 390.',
      );
    }
    return raw as InsuranceType;
  }

  static contributionStatus(raw: string): ContributionStatus {
    return raw as ContributionStatus;
  }

  static cancellationReason(raw: string): HouseholdCancellationReason {
    return raw as HouseholdCancellationReason;
  }
}

export function disclosureStream(personId: string): string {
  return `disclosure-${personId}`;
}
