import { CitizenId, personIdFor } from '@registry/domain';
import { PersonCommandRequest } from '../persons/execute-person-commands';
import { enrollment } from '../persons/person-commands';
import { PersonDocument, PersonalFields } from '../persons/projections/person-document';
import { MinistryInquiry } from './ministry-inquiry';
import { PhaseContext, inProvince } from './phase-context';

const INQUIRY_BATCH = 1000;

/** Statuses the ministry is asked about: no basic enrolment here. An unresolved person (an identity conflict open) may still be insured elsewhere, which decides before the conflict does. */
const ASKED_STATUSES = new Set(['uninsured', 'unresolved']);

/**
 * Ministry inquiry: persons the registry holds as uninsured or unresolved (of `persons`, by default all) are asked about at the ministry;
 * what it knows of them in other provinces is recorded as enrolments from source `ministry`
 * (idempotent per record, so a repeated run records nothing new).
 *
 * The uninsured are read through the read model's coverage index (status, then region), not
 * by a pass over every person; the next batch's question is on its way while the answers to
 * the last one are recorded.
 */
export async function runInquiry(
  ctx: PhaseContext,
  ministry: MinistryInquiry | undefined,
  persons: AsyncIterable<PersonDocument> | Iterable<PersonDocument> = personsToAsk(ctx),
): Promise<Set<string>> {
  const touched = new Set<string>();
  if (!ministry?.enabled) return touched;
  const { run, protector, reference } = ctx;
  const ids: string[] = [];
  for await (const doc of persons) {
    if (!ASKED_STATUSES.has(doc.coverageStatus) || !inProvince(doc, reference.provinceCode)) continue;
    const citizenId = protector.openFromDocument<PersonalFields>(doc._id, doc.personal)?.citizenId;
    if (citizenId) ids.push(citizenId);
  }
  await ctx.progress('ministry-inquiry', 0, ids.length);
  const ask = (from: number) => {
    if (from >= ids.length) return undefined;
    const answer = ministry.inquire(ids.slice(from, from + INQUIRY_BATCH));
    // Awaited below; until then a failure must not count as unhandled.
    answer.catch(() => undefined);
    return answer;
  };
  let next = ask(0);
  for (let i = 0; i < ids.length; i += INQUIRY_BATCH) {
    const answers = await next!;
    next = ask(i + INQUIRY_BATCH);
    const requests: PersonCommandRequest<string>[] = [];
    for (const result of answers) {
      const parsed = CitizenId.parse(result.citizenId);
      if (!parsed.ok) continue;
      const personId = personIdFor(parsed.value, ctx.personIdKey);
      for (const r of result.records) {
        run.counts.insuredElsewhereFound++;
        const ref = {
          source: 'ministry' as const,
          sourceRecordId: `inquiry:${r.provinceCode}:${r.insuranceType}:${r.since}:${r.contributionStatus}`,
          occurredAt: run.startedAt,
        };
        const command = enrollment(ref, {
          insuranceType: r.insuranceType,
          contributionStatus: r.contributionStatus,
          provinceCode: r.provinceCode.slice(0, 2),
          since: r.since,
        });
        requests.push({ key: personId, id: personId, command });
        touched.add(personId);
      }
    }
    if (requests.length > 0) await ctx.execute(requests);
    run.counts.inquired += Math.min(INQUIRY_BATCH, ids.length - i);
    await ctx.progress('ministry-inquiry', Math.min(i + INQUIRY_BATCH, ids.length), ids.length);
  }
  return touched;
}

/**
 * The province's persons whose read-model status is one the ministry is asked about: one scan
 * per status, which SQLite pages through the coverage index (status, region, id) and a MongoDB
 * wire server reads in one query (paging with `find` made FerretDB read and sort the whole
 * collection for every page).
 */
async function* personsToAsk(ctx: PhaseContext): AsyncIterable<PersonDocument> {
  for (const coverageStatus of ASKED_STATUSES) {
    const filter = { coverageStatus, householdRegion: { prefix: ctx.reference.provinceCode } };
    yield* ctx.persons.scan(filter, {
      sort: [
        ['householdRegion', 1],
        ['_id', 1],
      ],
    });
  }
}
