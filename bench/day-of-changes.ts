/**
 * A day's changes to a province, for the comparison on changes (bench:compare and its e2e
 * test): `count` persons of the read model, picked evenly in id order, each get one change
 * through the one command path, as the day's department files would bring them: an enrolment,
 * an enrolment ended, a death, a move out of the province, an exemption, and new household
 * persons (newborns among them). Every fiftieth change also brings a person the card library
 * knows under a mistyped ID of a household person, for linkage to find.
 */
import { INestApplicationContext } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { CitizenId, PersonCommand, citizenIdCheckCharacter, parsePersonId, personIdFor } from '@registry/domain';
import { CommandContext } from '../apps/registry/src/common/event-sourcing/command-context';
import { KeyRing } from '../apps/registry/src/config/key-ring';
import { ExecutePersonCommands, PersonCommandRequest } from '../apps/registry/src/persons/execute-person-commands';
import { PersonDocument, PersonalFields } from '../apps/registry/src/persons/projections/person-document';
import { PERSONS_COLLECTION, PERSONS_PROJECTION } from '../apps/registry/src/persons/projections/persons.projection';
import { PersonalDataProtector } from '../apps/registry/src/privacy/personal-data';
import { ProjectionsService } from '../apps/registry/src/projections/projections.service';

export interface DayOfChanges {
  /** Persons a change was recorded on (new ones included). */
  changed: number;
  /** Commands the domain refused (a change that did not apply to that person). */
  refused: number;
}

function citizenId(first17: string): CitizenId {
  const parsed = CitizenId.parse(first17 + citizenIdCheckCharacter(first17));
  if (!parsed.ok) throw new Error('day of changes: made an invalid ID');
  return parsed.value;
}

/** `round`: a later batch of the same day picks other persons and records other facts. */
export async function applyDayOfChanges(app: INestApplicationContext, count: number, round = 0, province = '44'): Promise<DayOfChanges> {
  const persons = await app.get(ProjectionsService).collection<PersonDocument>(PERSONS_PROJECTION, PERSONS_COLLECTION);
  const protector = app.get(PersonalDataProtector);
  const key = app.get(KeyRing).personIdKey;
  const bus = app.get(CommandBus);
  const now = new Date();
  const day = now.toISOString().slice(0, 10);
  const occurredAt = now.toISOString();
  const newborn = new Date(now.getTime() - 30 * 86_400_000).toISOString().slice(0, 10).replace(/-/g, '');
  const total = await persons.count({ householdRegion: { prefix: province } });
  const step = Math.max(1, Math.floor(total / count));
  const context: CommandContext = {
    operator: 'day-of-changes',
    role: 'system',
    region: province,
    channel: 'import',
    correlationId: `day-${day}`,
  };
  const result: DayOfChanges = { changed: 0, refused: 0 };
  let batch: PersonCommandRequest<string>[] = [];
  const flush = async () => {
    for (const o of await bus.execute(new ExecutePersonCommands(batch, context))) if (o.status === 'refused') result.refused++;
    batch = [];
  };
  const send = (id: string, command: PersonCommand) => batch.push({ key: id, id, command });
  const ref = (source: 'insurance-enrollment' | 'health' | 'household-registration' | 'operator' | 'card-library', j: number) => ({
    source,
    sourceRecordId: `day-of-changes:${day}:${round}:${j}`,
    occurredAt,
  });
  let seen = 0;
  let j = 0;
  // A filtered scan pages in id order through the whole table for every page: filtered here instead.
  for await (const doc of persons.scan()) {
    if (!doc.householdRegion?.startsWith(province)) continue;
    if ((seen++ + round) % step !== 0 || j >= count || !parsePersonId(doc._id)) continue;
    const id = doc._id;
    const local = doc.enrollments.filter(
      (e) => e.provinceCode.startsWith(province) && (e.contributionStatus === '1' || e.contributionStatus === '2'),
    );
    const enrol = () =>
      send(id, {
        type: 'RecordEnrollment',
        data: { ...ref('insurance-enrollment', j), insuranceType: '390', contributionStatus: '1', provinceCode: province, since: day },
      });
    switch (j % 10) {
      case 0:
      case 1:
      case 2:
      case 3:
        enrol();
        break;
      case 4:
      case 5:
      case 6:
        if (local.length === 0) enrol();
        for (const e of local) {
          send(id, {
            type: 'TerminateEnrollment',
            data: { ...ref('insurance-enrollment', j), insuranceType: e.insuranceType, effectiveDate: day },
          });
        }
        break;
      case 7:
        send(id, { type: 'RecordDeath', data: { ...ref('health', j), dateOfDeath: day } });
        break;
      case 8:
        if (j % 20 === 8) {
          send(id, {
            type: 'MoveHousehold',
            data: { ...ref('household-registration', j), destination: { scope: 'out-of-province', toProvince: '11' } },
          });
        } else {
          send(id, { type: 'RecordExemption', data: { ...ref('operator', j), reason: 'imprisoned', since: day } });
        }
        break;
      default: {
        // A new household person in the same county: a newborn every other time.
        const county = (doc.householdRegion ?? '').slice(0, 6);
        const born = j % 20 === 9 ? newborn : '19900101';
        const cid = citizenId(`${county}${born}${String((j + 337 * round) % 1000).padStart(3, '0')}`.slice(0, 17));
        const newId = personIdFor(cid, key);
        send(newId, {
          type: 'RegisterPerson',
          data: {
            ...ref('household-registration', j),
            citizenId: cid,
            name: `新户${j % 97}`,
            householdRegion: doc.householdRegion ?? undefined,
          },
        });
      }
    }
    if (j % 50 === 0) {
      // The card library's record of this person under an ID with one sequence digit mistyped.
      const personal = protector.openFromDocument<PersonalFields>(doc._id, doc.personal);
      if (personal?.citizenId && personal.name) {
        const typed =
          personal.citizenId.slice(0, 14) + String((Number(personal.citizenId[14]) + 3) % 10) + personal.citizenId.slice(15, 17);
        const cid = citizenId(typed);
        send(personIdFor(cid, key), { type: 'RegisterPerson', data: { ...ref('card-library', j), citizenId: cid, name: personal.name } });
        result.changed++;
      }
    }
    j++;
    result.changed++;
    if (batch.length >= 2000) await flush();
  }
  if (batch.length > 0) await flush();
  return result;
}
