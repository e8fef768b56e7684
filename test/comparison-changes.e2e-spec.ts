/**
 * The comparison on changes: after a full run and a day's changes, a run on changes judges
 * only the persons the changes reach, and leaves the registry where a full run would: a full
 * run after it finds nothing to record, and every person's verdict is the one the full run
 * holds.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateProvince } from '@registry/ingest';
import { READ_STORE, ReadStore } from '@registry/read-store';
import { createMinistrySim, MinistrySim } from '../apps/ministry-sim/src/ministry-sim';
import { Principal } from '../apps/registry/src/auth/principal';
import { ComparisonRun, LINK_DECISIONS, LinkDecisionDoc } from '../apps/registry/src/comparison/comparison-run';
import { ComparisonService } from '../apps/registry/src/comparison/comparison.service';
import { VERDICT_DATES, VerdictDateDoc } from '../apps/registry/src/comparison/determination-phase';
import { ImportService } from '../apps/registry/src/imports/import.service';
import { PersonDocument } from '../apps/registry/src/persons/projections/person-document';
import { PERSONS_COLLECTION, PERSONS_PROJECTION } from '../apps/registry/src/persons/projections/persons.projection';
import { ProjectionsService } from '../apps/registry/src/projections/projections.service';
import { applyDayOfChanges } from '../bench/day-of-changes';
import { startApp, TestApp } from './support/app';

jest.setTimeout(240_000);

const PERSONS = 3000;
const CHANGES = 150;
let dir: string;
let sim: MinistrySim;
let t: TestApp;
const caller = new Principal('changes-admin', ['province-admin'], '44');

async function run(scope: 'full' | 'changes'): Promise<ComparisonRun> {
  await t.caughtUp();
  const comparison = t.app.get(ComparisonService);
  const started = await comparison.start(caller, 'cli', { scope });
  const done = await comparison.waitFor(started._id);
  expect(done.state).toBe('completed');
  await t.caughtUp();
  return done;
}

/** Every person's last verdict, and every link decision's outcome and person. */
async function verdicts(): Promise<{ persons: Record<string, unknown>; links: Record<string, unknown> }> {
  const persons = await t.app.get(ProjectionsService).collection<PersonDocument>(PERSONS_PROJECTION, PERSONS_COLLECTION);
  const out: Record<string, unknown> = {};
  for await (const doc of persons.scan()) {
    const d = doc.lastDetermination;
    out[doc._id] = d && { status: d.status, exemptionReason: d.exemptionReason, evidence: d.evidence, flags: d.flags };
  }
  const links: Record<string, unknown> = {};
  for await (const d of t.app.get<ReadStore>(READ_STORE).collection<LinkDecisionDoc>(LINK_DECISIONS).scan()) {
    links[d._id] = { outcome: d.outcome, personId: d.personId };
  }
  return { persons: out, links };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'registry-comparison-changes-'));
  const out = join(dir, 'province');
  await generateProvince({ persons: PERSONS, seed: 'comparison-changes', outDir: out });
  sim = await createMinistrySim({ token: 'changes-sim-token', truthDir: out });
  const url = await sim.listen(0);
  t = await startApp({
    MINISTRY_URL: url,
    MINISTRY_TOKEN: 'changes-sim-token',
    MINISTRY_UPLOAD_INTERVAL_MS: '0',
    MINISTRY_DOWNLOAD_INTERVAL_MS: '0',
  });
  const imports = t.app.get(ImportService);
  for (const [source, file] of [
    ['household-registration', 'household-registration.csv'],
    ['insurance-enrollment', 'insurance-enrollment.csv'],
    ['card-library', 'card-library.xlsx'],
  ] as const) {
    const job = await imports.submit({ source, filePath: join(out, file), fileName: file, caller, channel: 'cli' });
    await imports.waitFor(job._id);
  }
});

afterAll(async () => {
  await t?.close();
  await sim?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('a comparison run on changes', () => {
  it('with no completed run before it, is a full run', async () => {
    const first = await run('changes');
    expect(first.scope).toBe('full');
    expect(first.counts.persons).toBeGreaterThan(PERSONS * 0.9);
    expect(first.counts.statusChanges).toBe(first.counts.persons);
  });

  it('judges only what a day changed, and records what a full run would', async () => {
    const day = await applyDayOfChanges(t.app, CHANGES);
    expect(day.changed).toBeGreaterThanOrEqual(CHANGES);
    const changes = await run('changes');
    expect(changes.scope).toBe('changes');
    // The changed persons, the persons linkage and inquiry recorded something on, and the
    // newborns whose window the calendar closes: a small share of the province.
    expect(changes.counts.persons).toBeGreaterThan(CHANGES * 0.5);
    expect(changes.counts.persons).toBeLessThan(CHANGES * 2);
    expect(changes.counts.statusChanges).toBeGreaterThan(CHANGES * 0.3);
    // The card library's persons with a mistyped ID of a household person were taken for them.
    expect(changes.counts.linked).toBeGreaterThanOrEqual(1);
    const afterChanges = await verdicts();

    const full = await run('full');
    expect(full.counts.statusChanges).toBe(0);
    expect(full.counts.linked).toBe(0);
    expect(await verdicts()).toEqual(afterChanges);
  });

  it('takes in facts recorded while the run before it went', async () => {
    const comparison = t.app.get(ComparisonService);
    await t.caughtUp();
    const started = await comparison.start(caller, 'cli', { scope: 'full' });
    // Recorded while the full run goes: before, during or after its reading, the next run on
    // changes must judge these persons.
    const day = await applyDayOfChanges(t.app, 60, 1);
    expect(day.changed).toBeGreaterThanOrEqual(60);
    const during = await comparison.waitFor(started._id);
    expect(during.state).toBe('completed');
    expect(during.logTo).toBeGreaterThan(during.logFrom!);
    const changes = await run('changes');
    expect(changes.scope).toBe('changes');
    const afterChanges = await verdicts();
    const full = await run('full');
    expect(full.counts.statusChanges).toBe(0);
    expect(await verdicts()).toEqual(afterChanges);
  });

  it('with nothing new, judges no one but persons whose verdict date has come, and records nothing', async () => {
    const again = await run('changes');
    expect(again.scope).toBe('changes');
    const due = await t.app
      .get<ReadStore>(READ_STORE)
      .collection<VerdictDateDoc>(VERDICT_DATES)
      .count({ due: { lte: again.startedAt.slice(0, 10) } });
    expect(again.counts.persons).toBe(due);
    expect(again.counts.statusChanges).toBe(0);
    expect(again.counts.linked).toBe(0);
  });

  it('notes newborns with the day their enrolment window closes', async () => {
    const dates = t.app.get<ReadStore>(READ_STORE).collection<VerdictDateDoc>(VERDICT_DATES);
    const persons = await t.app.get(ProjectionsService).collection<PersonDocument>(PERSONS_PROJECTION, PERSONS_COLLECTION);
    const noted = (await dates.find({}, { limit: 100 })).items;
    expect(noted.length).toBeGreaterThan(0);
    const underAge = [...(await persons.getMany(noted.map((d) => d._id))).values()].filter(
      (p) => p.lastDetermination?.evidence[0] === 'UNDER_ENROLMENT_AGE',
    );
    expect(underAge.length).toBeGreaterThan(0);
    for (const p of underAge) {
      const closes = new Date(Date.parse(`${p.birthDate}T00:00:00Z`) + 90 * 86_400_000).toISOString().slice(0, 10);
      expect(noted.find((d) => d._id === p._id)?.due).toBe(closes);
    }
  });
});
