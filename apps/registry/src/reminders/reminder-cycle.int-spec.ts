/**
 * The rules over real read-store collections (SQLite): which persons each rule calls for, who
 * is left out (opted out, already reminded, not reachable), and the survey-refusal rule, which
 * is skipped with its reason while the survey read model does not exist and works once it does.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseReminderRules } from '@registry/domain';
import { ReadModelNotReadyError } from '@registry/projections';
import { Document, SqliteReadStore } from '@registry/read-store';
import type { PersonDocument } from '../persons/projections/person-document';
import { CycleReport, ReminderCycle } from './reminder-cycle.service';

const id = (n: number) => `p_${String.fromCharCode(97 + n).repeat(26)}`;

const rules = parseReminderRules(
  {
    rules: [
      { id: 'invite', kind: 'uninsured', text: '邀请参保' },
      { id: 'suspended', kind: 'contributions-suspended', months: 3, insuranceTypes: ['390'], text: '暂停{months}个月' },
      {
        id: 'window',
        kind: 'contribution-window',
        insuranceTypes: ['390'],
        daysBefore: 30,
        windows: { '44': { opens: '09-01', closes: '12-31' } },
        text: '{closes}截止',
      },
      {
        id: 'refused',
        kind: 'survey-refusal',
        months: 6,
        period: 'year',
        readModel: {
          projection: 'surveys',
          collection: 'tasks',
          personField: 'subject.personId',
          outcomeField: 'outcome',
          refusedValue: 'refused',
          dateField: 'decidedAt',
        },
        text: '欢迎参保',
      },
    ],
  },
  'test',
);

function personDoc(n: number, facts: Partial<PersonDocument>): PersonDocument {
  return {
    _id: id(n),
    deceased: false,
    householdStatus: 'active',
    coverageStatus: 'uninsured',
    enrollments: [],
    householdRegion: '440305001',
    ...facts,
  } as PersonDocument;
}
const enrolment = (status: '1' | '2', lastChangedAt: string) => ({
  insuranceType: '390' as const,
  contributionStatus: status,
  provinceCode: '44',
  since: '2020-01-01',
  source: 'operator',
  lastChangedAt,
});

describe('reminder rules over the read models', () => {
  let dir: string;
  let reads: SqliteReadStore;
  let present: Set<string>;
  let cycle: ReminderCycle;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'reminder-rules-'));
    reads = new SqliteReadStore(join(dir, 'read.sqlite'));
    present = new Set(['persons/persons', 'reminders/reminders', 'reminder_recipients/recipients']);
    const projections = {
      collection: async (projection: string, logical: string) => {
        if (!present.has(`${projection}/${logical}`)) throw new ReadModelNotReadyError(projection, logical);
        return reads.collection(`${projection}__${logical}`);
      },
    };
    cycle = new ReminderCycle(
      {} as never,
      projections as never,
      { config: rules } as never,
      { now: () => new Date('2030-12-10T02:00:00Z') } as never,
      { provinceCode: '44' } as never,
      {} as never,
      {} as never,
      reads,
      {} as never,
      { INSTANCE_ID: 'test' } as never,
    );
    const persons = reads.collection<PersonDocument>('persons__persons');
    for (const doc of [
      personDoc(0, {}),
      personDoc(1, { deceased: true }),
      personDoc(2, { householdStatus: 'moved-out' }),
      personDoc(3, { coverageStatus: 'insured-local', enrollments: [enrolment('2', '2030-09-10')] }),
      personDoc(4, { coverageStatus: 'insured-local', enrollments: [enrolment('2', '2030-09-11')] }),
      personDoc(5, { coverageStatus: 'insured-local', enrollments: [enrolment('1', '2020-01-01')] }),
      personDoc(6, {}),
      personDoc(7, {}),
      personDoc(8, { householdRegion: null }),
    ]) {
      await persons.upsert(doc);
    }
    await reads.collection('reminder_recipients__recipients').upsert({ _id: id(6), optedOut: true, allotted: [], updatedAt: '' });
    await reads
      .collection('reminders__reminders')
      .upsert({ _id: `${id(7)}.invite.2030Q4`, personId: id(7), rule: 'invite', period: '2030Q4' });
  });

  afterEach(async () => {
    await reads.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const summary = (due: Awaited<ReturnType<ReminderCycle['findDue']>>) =>
    due.map((d) => `${d.personId.slice(0, 3)}${d.personId[2]}:${d.match.rule.id}.${d.match.period}:${d.region}`).sort();

  it('calls for each rule’s reminder where it applies, and leaves out the unreachable, the opted out and the already reminded', async () => {
    const report = { rules: [] } as unknown as CycleReport;
    const due = await cycle.findDue(new Date('2030-12-10T02:00:00Z'), report);
    expect(summary(due)).toEqual([
      'p_aa:invite.2030Q4:440305001',
      'p_dd:suspended.2030Q4:440305001', // suspended on 09-10: three months to the day
      'p_dd:window.2030:440305001',
      'p_ee:window.2030:440305001', // suspended on 09-11: not yet three months
      'p_ff:window.2030:440305001',
      'p_ii:invite.2030Q4:null',
    ]);
    expect(due.find((d) => d.match.rule.id === 'window')?.match.text).toBe('12月31日截止');
    expect(report.optedOut).toBe(1);
    expect(report.known).toBe(1);
    expect(report.rules.find((r) => r.rule === 'refused')).toEqual({
      rule: 'refused',
      matched: 0,
      skipped: 'the read model surveys/tasks does not exist (no survey capability, or it has not built it yet)',
    });
  });

  it('reminds survey refusals older than six months once the survey read model exists', async () => {
    present.add('surveys/tasks');
    const tasks = reads.collection<Document>('surveys__tasks');
    await tasks.upsert({ _id: 't1', subject: { personId: id(0) }, outcome: 'refused', decidedAt: '2030-06-10T08:00:00Z' });
    await tasks.upsert({ _id: 't2', subject: { personId: id(5) }, outcome: 'refused', decidedAt: '2030-01-01' }); // insured since
    await tasks.upsert({ _id: 't3', subject: { personId: id(8) }, outcome: 'refused', decidedAt: '2030-06-11' }); // too recent
    await tasks.upsert({ _id: 't4', subject: { personId: id(1) }, outcome: 'refused', decidedAt: '2029-01-01' }); // deceased
    await tasks.upsert({ _id: 't5', subject: { personId: id(0) }, outcome: 'not-found', decidedAt: '2029-01-01' });
    const due = await cycle.findDue(new Date('2030-12-10T02:00:00Z'));
    expect(summary(due).filter((d) => d.includes(':refused.'))).toEqual(['p_aa:refused.2030:440305001']);
  });
});
