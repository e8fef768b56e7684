/**
 * Links a synthetic province's department files to its true persons, for the
 * integration spec and the bench. Not part of the library's API (it does I/O and pulls
 * in @registry/ingest); import it by path.
 */
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { loadRegionTable } from '@registry/domain';
import {
  createCleaner,
  generateProvince,
  IngestSourceKind,
  loadMapping,
  openRecords,
  ProvinceManifest,
  resolveHeaders,
  TruePerson,
  TrueRecord,
} from '@registry/ingest';
import { LinkageConfig, loadLinkageConfig } from '../config/linkage-config';
import { linkageCitizenId, LinkageInput } from '../compare/values';
import { LinkDecision, Linker } from '../linker';
import { LinkageScore, scoreLinkage } from '../score/score-linkage';

export interface LinkedRow {
  readonly file: string;
  readonly input: LinkageInput;
  readonly rowNumber: number;
  readonly cleaned: boolean;
  readonly decision: LinkDecision;
  readonly truePersonId: string | null;
  readonly noise: readonly string[];
}

export interface ProvinceLinkage {
  readonly manifest: ProvinceManifest;
  readonly rows: readonly LinkedRow[];
  readonly score: LinkageScore;
  /**
   * Hard records (true person, no exact ID) that carry more than a name: ID digits or a
   * birth date. An enrolment row without an ID has only a name, which cannot be
   * auto-linked at the precision wanted; those go to review and are counted apart.
   */
  readonly beyondName: {
    readonly hardRecords: number;
    readonly hardCorrectLinks: number;
    readonly hardRecall: number;
    readonly nameOnly: number;
    readonly nameOnlyAutoLinked: number;
    readonly nameOnlyProposedCorrectly: number;
  };
  readonly indexSeconds: number;
  readonly linkSeconds: number;
  readonly linker: Linker;
}

async function* ndjson<T>(path: string): AsyncGenerator<T> {
  const lines = createInterface({ input: createReadStream(path, 'utf8'), crlfDelay: Infinity });
  for await (const line of lines) if (line !== '') yield JSON.parse(line) as T;
}

const FILES: Partial<Record<IngestSourceKind, string>> = {
  'insurance-enrollment': 'insurance-enrollment.csv',
  'card-library': 'card-library.xlsx',
};

export interface LinkProvinceOptions {
  readonly dir: string;
  readonly persons: number;
  readonly seed?: string;
  readonly config?: LinkageConfig;
  readonly kinds?: readonly IngestSourceKind[];
  /** Keep every row's decision (tests); the bench only needs the score. */
  readonly keepRows?: boolean;
  readonly now?: () => number;
}

/** What a department row offers the linker: the cleaned fields, or a rejected row's partial ones plus its raw ID text. */
function linkInput(fields: Readonly<Record<string, string>>, rawId: string | undefined): LinkageInput {
  return {
    citizenId: fields.citizenId ?? (rawId === '' ? undefined : rawId),
    name: fields.name,
    birthDate: fields.birthDate,
    gender: fields.gender,
    region: fields.region ?? fields.householdRegion,
  };
}

export async function linkProvince(options: LinkProvinceOptions): Promise<ProvinceLinkage> {
  const now = options.now ?? (() => performance.now());
  const manifest = await generateProvince({ persons: options.persons, seed: options.seed ?? 'linkage', outDir: options.dir });
  const config = options.config ?? loadLinkageConfig();
  const kinds = options.kinds ?? (['insurance-enrollment', 'card-library'] as const);

  let t = now();
  const linker = new Linker(config);
  for await (const p of ndjson<TruePerson>(join(options.dir, 'truth', 'persons.ndjson'))) {
    linker.add({
      personId: p.truePersonId,
      citizenId: p.citizenId,
      name: p.name,
      birthDate: p.birthDate,
      gender: p.gender,
      region: p.region,
    });
  }
  const indexSeconds = (now() - t) / 1000;

  const wanted = new Set(kinds.map((k) => FILES[k]));
  const truth = new Map<string, TrueRecord[]>();
  for await (const r of ndjson<TrueRecord>(join(options.dir, 'truth', 'records.ndjson'))) {
    if (!wanted.has(r.file)) continue;
    const list = truth.get(r.file) ?? [];
    list[r.rowNumber] = r;
    truth.set(r.file, list);
  }

  t = now();
  const regions = loadRegionTable();
  const rows: LinkedRow[] = [];
  const beyond = { hardRecords: 0, hardCorrectLinks: 0, nameOnly: 0, nameOnlyAutoLinked: 0, nameOnlyProposedCorrectly: 0 };
  const decisions: LinkDecision[] = [];
  const truthIds: (string | null)[] = [];
  for (const kind of kinds) {
    const file = FILES[kind];
    if (!file) throw new Error(`linkProvince: no generated file for ${kind}`);
    const opened = await openRecords({ path: join(options.dir, file) });
    const mapping = loadMapping(kind);
    const headers = resolveHeaders(mapping, opened.headers);
    if (!headers.ok) throw new Error(`linkProvince: ${headers.errors.map((e) => e.message).join('; ')}`);
    const idColumn = headers.columns.citizenId;
    const cleaner = createCleaner(kind, mapping, { regions, today: manifest.today });
    const fileTruth = truth.get(file) ?? [];
    for await (const row of opened.records) {
      const result = cleaner.clean(row);
      const fields = result.status === 'ok' ? (result.record as unknown as Readonly<Record<string, string>>) : result.partial.fields;
      const input = linkInput(fields, idColumn === undefined ? undefined : row.values[idColumn]);
      const decision = linker.link(input);
      const tr = fileTruth[row.rowNumber];
      const truePersonId = tr?.truePersonId ?? null;
      if (truePersonId !== null && decision.method !== 'exact-id') {
        if (linkageCitizenId(input.citizenId) === undefined && input.birthDate === undefined) {
          beyond.nameOnly++;
          if (decision.outcome === 'link') beyond.nameOnlyAutoLinked++;
          if (decision.outcome === 'possible' && decision.personId === truePersonId) beyond.nameOnlyProposedCorrectly++;
        } else {
          beyond.hardRecords++;
          if (decision.outcome === 'link' && decision.personId === truePersonId) beyond.hardCorrectLinks++;
        }
      }
      decisions.push(decision);
      truthIds.push(truePersonId);
      if (options.keepRows) {
        rows.push({
          file,
          input,
          rowNumber: row.rowNumber,
          cleaned: result.status === 'ok',
          decision,
          truePersonId,
          noise: tr?.noise ?? [],
        });
      }
    }
  }
  const linkSeconds = (now() - t) / 1000;
  const beyondName = { ...beyond, hardRecall: beyond.hardRecords === 0 ? 1 : beyond.hardCorrectLinks / beyond.hardRecords };
  return { manifest, rows, score: scoreLinkage(decisions, truthIds), beyondName, indexSeconds, linkSeconds, linker };
}
