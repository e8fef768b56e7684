import { CitizenId, personIdFor } from '@registry/domain';
import { PersonCommandRequest } from '../persons/execute-person-commands';
import { enrollment } from '../persons/person-commands';
import { PersonalFields } from '../persons/projections/person-document';
import { MinistryInquiry } from './ministry-inquiry';
import { PhaseContext, allPersons, inProvince } from './phase-context';

const INQUIRY_BATCH = 1000;

/**
 * Ministry inquiry: persons the registry holds as uninsured are asked about at the ministry;
 * what it knows of them in other provinces is recorded as enrolments from source `ministry`
 * (idempotent per record, so a repeated run records nothing new).
 */
export async function runInquiry(ctx: PhaseContext, ministry: MinistryInquiry | undefined): Promise<void> {
  if (!ministry?.enabled) return;
  const { run, protector, reference } = ctx;
  const ids: string[] = [];
  for await (const doc of allPersons(ctx.persons)) {
    if (doc.coverageStatus !== 'uninsured' || !inProvince(doc, reference.provinceCode)) continue;
    const citizenId = protector.openFromDocument<PersonalFields>(doc._id, doc.personal)?.citizenId;
    if (citizenId) ids.push(citizenId);
  }
  await ctx.progress('ministry-inquiry', 0, ids.length);
  for (let i = 0; i < ids.length; i += INQUIRY_BATCH) {
    const slice = ids.slice(i, i + INQUIRY_BATCH);
    const requests: PersonCommandRequest<string>[] = [];
    for (const result of await ministry.inquire(slice)) {
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
      }
    }
    if (requests.length > 0) await ctx.execute(requests);
    run.counts.inquired += slice.length;
    await ctx.progress('ministry-inquiry', Math.min(i + INQUIRY_BATCH, ids.length), ids.length);
  }
}
