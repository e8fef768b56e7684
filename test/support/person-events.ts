/**
 * Person events for projection specs, produced the way the service produces them: commands
 * decided by the real person decider, personal parts sealed by the real protector, then
 * given stream, revision, position and recording time as a store would.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CitizenId,
  ContributionStatus,
  HouseholdCancellationReason,
  HouseholdDestination,
  InsuranceType,
  PersonCommand,
  PersonState,
  RecordedExemptionReason,
  SourceKind,
  SourceRef,
  citizenIdCheckCharacter,
  createPersonDecider,
  personIdFor,
  personStreamName,
} from '@registry/domain';
import type { NewEvent, RecordedEvent } from '@registry/event-store';
import { KeyRing } from '../../apps/registry/src/config/key-ring';
import { PersonalDataProtector } from '../../apps/registry/src/privacy/personal-data';
import type { PersonDocumentCodec, PersonalFields } from '../../apps/registry/src/persons/projections/person-document';

export interface Keys {
  keys: KeyRing;
  protector: PersonalDataProtector;
  /** The codec the persons module builds (see PersonsModule.onModuleInit). */
  codec: PersonDocumentCodec;
  cleanup(): void;
}

/** A fresh key ring in a temp dir, the protector on it, and the read-model codec. */
export function freshKeys(): Keys {
  const dir = mkdtempSync(join(tmpdir(), 'registry-keys-'));
  const keys = KeyRing.loadOrCreate(join(dir, 'keys.json'));
  const protector = new PersonalDataProtector(keys);
  const codec: PersonDocumentCodec = {
    decodeEvent: (event) => protector.decodeEvent(event),
    seal: (id, personal) => protector.sealForDocument(id, { ...personal }),
    open: (id, sealed) => protector.openFromDocument<PersonalFields>(id, sealed) ?? { citizenId: '' },
  };
  return { keys, protector, codec, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

let serial = 0;

/** A valid citizen ID under a county prefix, unique in this process. */
export function citizenIdIn(county: string, gender: '1' | '2' = '1'): CitizenId {
  serial++;
  const first17 = `${county}19${String(50 + (serial % 40)).padStart(2, '0')}0${1 + (serial % 9)}1${serial % 10}${String(serial % 100).padStart(2, '0')}${gender === '1' ? 1 : 2}`;
  const parsed = CitizenId.parse(first17 + citizenIdCheckCharacter(first17));
  if (!parsed.ok) throw new Error(`bad test citizen ID: ${parsed.reasons[0].code}`);
  return parsed.value;
}

const decider = createPersonDecider();
/** Every source of equal rank for every field: a disagreement leaves the field in doubt (see heldValueStands). */
const equalRankDecider = createPersonDecider({
  precedence: { name: [], gender: [], birthDate: [], householdRegion: [], phone: [], householdAddress: [] },
});
let recordSerial = 0;

/** A source reference with a fresh record id. */
export function ref(source: SourceKind, occurredAt = '2024-03-01T08:00:00.000Z'): SourceRef {
  return { source, sourceRecordId: `rec-${++recordSerial}`, occurredAt };
}

/** One person's stream: commands in, sealed events out. */
export class PersonScript {
  readonly personId: string;
  readonly stream: string;
  readonly citizenId: CitizenId;
  private state: PersonState = decider.initialState();

  constructor(
    private readonly keys: Keys,
    county: string,
    gender: '1' | '2' = '1',
    /** A citizen ID of the caller's (a given birth date); otherwise a fresh one under `county`. */
    citizenId?: CitizenId,
  ) {
    this.citizenId = citizenId ?? citizenIdIn(county, gender);
    this.personId = personIdFor(this.citizenId, keys.keys.personIdKey);
    this.stream = personStreamName(this.personId as never);
  }

  /** Decides the command on the stream so far; the events it adds, sealed as stored. */
  run(command: PersonCommand, by = decider): NewEvent[] {
    const events = by.decide(command, this.state);
    for (const event of events) this.state = decider.evolve(this.state, event);
    return events.map((event) =>
      this.keys.protector.encodeEvent({
        id: randomUUID(),
        type: event.type,
        data: event.data,
        metadata: {
          occurredAt: command.data.occurredAt,
          operator: 'spec',
          role: 'system',
          channel: 'system',
          sourceSystem: command.data.source,
        },
      }),
    );
  }

  register(name: string, householdRegion: string, source: SourceKind = 'household-registration'): NewEvent[] {
    return this.run({ type: 'RegisterPerson', data: { ...ref(source), citizenId: this.citizenId, name, householdRegion } });
  }

  /** `inDoubt`: decided under a precedence that ranks every source equally, so the conflict leaves the person in doubt. */
  reportName(name: string, source: SourceKind, options: { inDoubt?: boolean } = {}): NewEvent[] {
    return this.run(
      { type: 'RegisterPerson', data: { ...ref(source), citizenId: this.citizenId, name } },
      options.inDoubt ? equalRankDecider : decider,
    );
  }

  enrol(insuranceType: InsuranceType, contributionStatus: ContributionStatus = '1', provinceCode = '44', occurredAt?: string): NewEvent[] {
    return this.run({
      type: 'RecordEnrollment',
      data: { ...ref('insurance-enrollment', occurredAt), insuranceType, contributionStatus, provinceCode, since: '2020-01-01' },
    });
  }

  transition(
    type: 'SuspendEnrollment' | 'ResumeEnrollment' | 'TerminateEnrollment',
    insuranceType: InsuranceType,
    effectiveDate = '2024-02-01',
  ): NewEvent[] {
    return this.run({ type, data: { ...ref('insurance-enrollment'), insuranceType, effectiveDate } });
  }

  die(dateOfDeath = '2024-01-15'): NewEvent[] {
    return this.run({ type: 'RecordDeath', data: { ...ref('health', '2024-01-20T00:00:00.000Z'), dateOfDeath } });
  }

  move(destination: HouseholdDestination): NewEvent[] {
    return this.run({ type: 'MoveHousehold', data: { ...ref('household-registration'), destination } });
  }

  exempt(reason: RecordedExemptionReason, since: string, until?: string): NewEvent[] {
    return this.run({ type: 'RecordExemption', data: { ...ref('operator'), reason, since, ...(until !== undefined && { until }) } });
  }

  cancel(reason: HouseholdCancellationReason): NewEvent[] {
    return this.run({ type: 'CancelHousehold', data: { ...ref('household-registration'), reason } });
  }

  correct(corrections: Record<string, string>, reason = '核实更正'): NewEvent[] {
    return this.run({ type: 'CorrectRecord', data: { ...ref('operator'), source: 'operator', operatorId: 'op-1', reason, corrections } });
  }
}

/** Gives events what a store gives them: stream, revision, global position, recording time. */
export class FakeLog {
  private position = 0;
  private readonly revisions = new Map<string, number>();
  private clock = Date.parse('2024-06-01T00:00:00.000Z');

  record(stream: string, events: NewEvent[]): RecordedEvent[] {
    return events.map((event) => {
      const revision = (this.revisions.get(stream) ?? -1) + 1;
      this.revisions.set(stream, revision);
      this.clock += 1000;
      return { ...event, stream, revision, position: ++this.position, recordedAt: new Date(this.clock).toISOString() };
    });
  }
}
