import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import { REGION_LEVELS, RegionLevel, VISIT_PENDING_STATUSES, displayRegionCode, regionLevelOfCode } from '@registry/domain';
import { ReadModelNotReadyError } from '@registry/projections';
import { Collection, Document, Filter, READ_STORE, ReadStore } from '@registry/read-store';
import { Principal } from '../auth/principal';
import { ProblemException } from '../common/problem';
import { IDENTITY_CHECKS, IdentityCheckDoc } from '../comparison/comparison-run';
import { PersonDocument } from '../persons/projections/person-document';
import { PERSONS_COLLECTION, PERSONS_PROJECTION, REGION_COUNTS_COLLECTION } from '../persons/projections/persons.projection';
import { RegionCountsDocument } from '../persons/projections/region-counts';
import { coverageRate } from '../persons/reports.controller';
import { ProjectionsService } from '../projections/projections.service';
import { ReferenceData } from '../reference/reference-data.module';
import { SURVEY_PROGRESS_COLLECTION, SURVEY_PROJECTION, SURVEY_TASKS_COLLECTION } from './projections/survey.projection';
import { SurveyProgressDocument, SurveyTaskDocument, emptyProgress } from './projections/survey-task-document';
import { SurveyClock } from './survey-clock';

const PAGE = 1000;
const WORKLIST_STATUSES = new Set(['uninsured', 'unresolved']);

interface Tally {
  overdue: number;
  /** Persons on the worklist now who have a task that was not cancelled. */
  worklistWithTask: number;
  identityChecks: number;
  identityChecksWithTask: number;
}

const emptyTally = (): Tally => ({ overdue: 0, worklistWithTask: 0, identityChecks: 0, identityChecksWithTask: 0 });

function nonZero(counter: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(counter).filter(([, n]) => n !== 0));
}

const ratio = (covered: number, expected: number): number | null =>
  expected > 0 ? Math.round((covered / expected) * 10000) / 10000 : null;

/**
 * Survey progress per region (GET /v1/reports/survey-progress): the region asked for and each
 * region one level below it, down to townships. Task counts by state, outcome and
 * cancellation cause come from the progress counters the survey projection keeps; what
 * depends on today (overdue) or on the persons' current status (the worklist, who on it has
 * a task) is counted from the task documents of the region at request time, a scan as long
 * as the region's task list, not its population.
 */
@Injectable()
export class SurveyProgressReport {
  constructor(
    private readonly projections: ProjectionsService,
    private readonly reference: ReferenceData,
    private readonly clock: SurveyClock,
    @Inject(READ_STORE) private readonly reads: ReadStore,
  ) {}

  async report(caller: Principal, rawRegion: string | undefined) {
    const region = rawRegion === undefined ? caller.regionPrefix : this.reference.regionParam(rawRegion, 'region');
    if (!caller.covers(region)) {
      throw new ProblemException(HttpStatus.FORBIDDEN, 'REGION_OUT_OF_SCOPE', "The requested region lies outside the caller's region.");
    }
    const level = regionLevelOfCode(region);
    const childLevel: RegionLevel | undefined = level ? REGION_LEVELS[REGION_LEVELS.indexOf(level) + 1] : undefined;
    const withChildren = childLevel !== undefined && childLevel !== 'village';
    const progress = await this.optional<SurveyProgressDocument>(SURVEY_PROJECTION, SURVEY_PROGRESS_COLLECTION);
    const counts = await this.optional<RegionCountsDocument>(PERSONS_PROJECTION, REGION_COUNTS_COLLECTION);
    const self = (await progress?.get(region)) ?? null;
    // Children with tasks or with persons: a township whose worklist nobody has started on is shown too.
    const byCode = new Map<string, SurveyProgressDocument | null>();
    if (withChildren) {
      for (const c of counts ? await this.children(counts, region, childLevel) : []) byCode.set(c._id, null);
      for (const c of progress ? await this.children(progress, region, childLevel) : []) byCode.set(c._id, c);
    }
    const children = [...byCode.keys()].sort();
    const regionCounts = counts ? await counts.getMany([region, ...children]) : new Map<string, RegionCountsDocument>();
    const tallies = await this.tally(region, withChildren ? childLevel : undefined);
    const nameOf = (code: string) => this.reference.regions.get(code)?.name;
    const view = (code: string, doc: SurveyProgressDocument | null) =>
      this.view(code, nameOf(code), doc ?? emptyProgress(code), regionCounts.get(code) ?? null, tallies.get(code) ?? emptyTally());
    return { ...view(region, self), asOf: this.clock.today(), children: children.map((code) => view(code, byCode.get(code) ?? null)) };
  }

  private async optional<T extends Document>(projection: string, logical: string): Promise<Collection<T> | undefined> {
    try {
      return await this.projections.collection<T>(projection, logical);
    } catch (error) {
      if (error instanceof ReadModelNotReadyError) return undefined;
      throw error;
    }
  }

  private async children<T extends Document>(collection: Collection<T>, region: string, level: RegionLevel): Promise<T[]> {
    const out: T[] = [];
    let cursor: string | undefined;
    do {
      const page = await collection.find({ _id: { prefix: region }, level }, { sort: [['_id', 1]], limit: PAGE, cursor });
      out.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor);
    return out;
  }

  /** Overdue tasks, worklist persons with a task and identity checks, per region code (the region and its children). */
  private async tally(region: string, childLevel: RegionLevel | undefined): Promise<Map<string, Tally>> {
    const out = new Map<string, Tally>();
    const childLength = childLevel ? { province: 2, city: 4, county: 6, township: 9, village: 12 }[childLevel] : undefined;
    const add = (code: string, key: keyof Tally) => {
      for (const c of childLength && code.length >= childLength ? [region, code.slice(0, childLength)] : [region]) {
        const t = out.get(c) ?? emptyTally();
        t[key]++;
        out.set(c, t);
      }
    };
    const tasks = await this.optional<SurveyTaskDocument>(SURVEY_PROJECTION, SURVEY_TASKS_COLLECTION);
    const persons = await this.optional<PersonDocument>(PERSONS_PROJECTION, PERSONS_COLLECTION);
    const scope: Filter = region === this.reference.provinceCode ? {} : { region: { prefix: region } };
    const today = this.clock.today();
    const checksWithTask = new Set<string>();
    if (tasks) {
      await scan(tasks, { ...scope, state: { in: [...VISIT_PENDING_STATUSES] }, dueDate: { lt: today } }, ['region'], (t) =>
        add(t.region, 'overdue'),
      );
      // A person surveyed twice (a second round after the first was approved) counts once.
      const seen = new Set<string>();
      let batch: SurveyTaskDocument[] = [];
      const flush = async () => {
        const docs = persons ? await persons.getMany(batch.map((t) => t.personId!)) : new Map<string, PersonDocument>();
        for (const t of batch) {
          const person = docs.get(t.personId!);
          const home = person?.householdRegion;
          if (person && home && home.startsWith(region) && WORKLIST_STATUSES.has(person.coverageStatus)) add(home, 'worklistWithTask');
        }
        batch = [];
      };
      await scan(tasks, { ...scope, state: { ne: 'cancelled' } }, ['personId', 'recordRef', 'region'], async (t) => {
        if (t.recordRef) checksWithTask.add(t.recordRef);
        if (!t.personId || seen.has(t.personId)) return;
        seen.add(t.personId);
        batch.push(t);
        if (batch.length >= PAGE) await flush();
      });
      await flush();
    }
    await scan(this.reads.collection<IdentityCheckDoc>(IDENTITY_CHECKS), { regionPath: region }, ['householdRegion'], (c) => {
      add(c.householdRegion, 'identityChecks');
      if (checksWithTask.has(c._id)) add(c.householdRegion, 'identityChecksWithTask');
    });
    return out;
  }

  private view(code: string, name: string | undefined, p: SurveyProgressDocument, counts: RegionCountsDocument | null, tally: Tally) {
    const worklist = (counts?.coverage.uninsured ?? 0) + (counts?.coverage.unresolved ?? 0);
    const rate = coverageRate(counts);
    const covered = (counts?.coverage['insured-local'] ?? 0) + (counts?.coverage['insured-elsewhere'] ?? 0);
    const expected = (counts?.total ?? 0) - (counts?.coverage.exempt ?? 0);
    // The rate as it would stand had the approved results not moved anyone: those they covered
    // uncovered again, those they exempted or moved out of the region back in the denominator.
    const withoutSurvey = counts ? ratio(covered - p.effect.covered, expected + p.effect.exempted + p.effect.left) : null;
    return {
      region: displayRegionCode(code),
      name,
      level: p.level,
      tasks: {
        total: p.total,
        byState: nonZero(p.states),
        overdue: tally.overdue,
        outcomes: nonZero(p.outcomes),
        awaitingReview: nonZero(p.submittedOutcomes),
        cancellations: nonZero(p.cancellations),
      },
      worklist: {
        persons: worklist,
        withTask: tally.worklistWithTask,
        withoutTask: Math.max(0, worklist - tally.worklistWithTask),
        identityChecks: tally.identityChecks,
        identityChecksWithoutTask: tally.identityChecks - tally.identityChecksWithTask,
      },
      coverage: {
        rate,
        rateWithoutSurvey: withoutSurvey,
        change: rate !== null && withoutSurvey !== null ? Math.round((rate - withoutSurvey) * 10000) / 10000 : null,
        personsCovered: p.effect.covered,
        personsExempted: p.effect.exempted,
        personsMovedOut: p.effect.left,
      },
    };
  }
}

/** Every document of a filter, a page at a time. */
async function scan<T extends Document>(
  collection: Collection<T>,
  filter: Filter,
  fields: string[],
  each: (doc: T) => void | Promise<void>,
): Promise<void> {
  let cursor: string | undefined;
  do {
    const page = await collection.find(filter, { sort: [['_id', 1]], limit: PAGE, cursor, fields });
    for (const doc of page.items) await each(doc);
    cursor = page.nextCursor;
  } while (cursor);
}
