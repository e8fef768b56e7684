import { ancestorCodes } from '@registry/domain';
import type { Collection, ReadStore } from '@registry/read-store';
import type { PersonCommandOutcome, PersonCommandRequest } from '../persons/execute-person-commands';
import type { PersonDocument } from '../persons/projections/person-document';
import type { PersonalDataProtector } from '../privacy/personal-data';
import type { ReferenceData } from '../reference/reference-data.module';
import type { ComparisonRun, IdentityCheckDoc, RunPhase } from './comparison-run';
import type { ImportRejection } from '../imports/import-job';

/** What each phase of a comparison run works with. */
export interface PhaseContext {
  run: ComparisonRun;
  reads: ReadStore;
  /** The person read model. */
  persons: Collection<PersonDocument>;
  protector: PersonalDataProtector;
  reference: ReferenceData;
  personIdKey: Buffer | string;
  /** Person commands through the one command path, under the run's context. */
  execute<K>(requests: PersonCommandRequest<K>[]): Promise<PersonCommandOutcome<K>[]>;
  /** Stores the run's phase and progress (visible over HTTP and the CLI). */
  progress(phase: RunPhase, done: number, total: number): Promise<void>;
  /** Resolves once the read models hold everything appended so far. */
  caughtUp(): Promise<void>;
}

/** Every document of the persons read model, in one pass, in no particular order (Collection.scan). */
export async function* allPersons(collection: Collection<PersonDocument>): AsyncGenerator<PersonDocument> {
  yield* collection.scan();
}

/** Persons read from the read model in one `getMany`. */
export const PERSON_READ_BATCH = 1000;

/**
 * The read-model documents of these persons (those it holds), in the order given, read
 * PERSON_READ_BATCH at a time: a caller that takes them one by one holds no more than a batch.
 * A full run judges again every person it recorded on, some 190,000 at 1,000,000 persons; held
 * all at once, their documents were the run's peak (about 500 MB).
 */
export async function* eachPersonDocument(collection: Collection<PersonDocument>, ids: Iterable<string>): AsyncGenerator<PersonDocument> {
  const all = [...ids];
  for (let i = 0; i < all.length; i += PERSON_READ_BATCH) {
    const slice = all.slice(i, i + PERSON_READ_BATCH);
    // A store answers in its own order: put the documents back in the order asked for.
    const found = await collection.getMany(slice);
    for (const id of slice) {
      const doc = found.get(id);
      if (doc) yield doc;
    }
  }
}

/** The same, all at once: for callers that need the list (a run on changes' few thousand persons). */
export async function personDocuments(collection: Collection<PersonDocument>, ids: Iterable<string>): Promise<PersonDocument[]> {
  const docs: PersonDocument[] = [];
  for await (const doc of eachPersonDocument(collection, ids)) docs.push(doc);
  return docs;
}

export function inProvince(doc: PersonDocument, provinceCode: string): boolean {
  return doc.householdRegion !== null && doc.householdRegion.startsWith(provinceCode);
}

/**
 * The survey's entry for a household row without a person (see IdentityCheckDoc); undefined for
 * other sources or rows without a known region.
 */
export function identityCheck(
  rejection: Pick<ImportRejection, '_id' | 'importId' | 'rowNumber' | 'reasons'>,
  source: string,
  fields: Record<string, string>,
  reference: ReferenceData,
  runId: string,
  now: string,
): IdentityCheckDoc | undefined {
  const region = fields.householdRegion;
  if (source !== 'household-registration' || !region || !reference.regions.get(region)) return undefined;
  return {
    _id: rejection._id,
    recordRef: rejection._id,
    importId: rejection.importId,
    rowNumber: rejection.rowNumber,
    householdRegion: region,
    regionPath: [...ancestorCodes(region), region],
    reasons: [...new Set(rejection.reasons.map((r) => r.code))],
    runId,
    createdAt: now,
  };
}
