import { parsePersonId } from '@registry/domain';
import { PersonCommandRequest } from '../persons/execute-person-commands';
import { PhaseContext, allPersons, inProvince } from './phase-context';

const DETERMINATION_BATCH = 2000;

/**
 * Determination: every household-registered person of the province gets a verdict by the
 * coverage rules, recorded (CoverageStatusDetermined, with its evidence) only when it
 * changed, so a run with nothing new records nothing. Then the counts by status, from the
 * read model once it holds the verdicts.
 */
export async function runDetermination(ctx: PhaseContext): Promise<void> {
  const { run, reference } = ctx;
  const total = await ctx.persons.count({ householdRegion: { prefix: reference.provinceCode } });
  await ctx.progress('determination', 0, total);
  const data = {
    source: 'comparison' as const,
    sourceRecordId: run._id,
    occurredAt: run.startedAt,
    runId: run._id,
    localProvince: reference.provinceCode,
  };
  let batch: PersonCommandRequest<string>[] = [];
  let done = 0;
  const flush = async () => {
    if (batch.length === 0) return;
    for (const o of await ctx.execute(batch)) {
      if (o.status === 'applied') run.counts.statusChanges += o.events.filter((e) => e.type === 'CoverageStatusDetermined').length;
    }
    done += batch.length;
    batch = [];
    await ctx.progress('determination', done, total);
  };
  for await (const doc of allPersons(ctx.persons)) {
    const personId = parsePersonId(doc._id);
    if (!personId || !inProvince(doc, reference.provinceCode)) continue;
    run.counts.persons++;
    batch.push({ key: doc._id, id: personId, command: { type: 'DetermineCoverage', data } });
    if (batch.length >= DETERMINATION_BATCH) await flush();
  }
  await flush();
  await ctx.caughtUp();
  const byStatus: Record<string, number> = {};
  for (const status of ['insured-local', 'insured-elsewhere', 'uninsured', 'exempt', 'unresolved']) {
    byStatus[status] = await ctx.persons.count({ householdRegion: { prefix: reference.provinceCode }, coverageStatus: status });
  }
  run.counts.byStatus = byStatus;
}
