import { citizenIdCheckCharacter } from '@registry/domain';
import { BlockIndex } from './blocking/block-index';
import { BLOCK_KEY_RULES, BlockKeyRule } from './blocking/block-keys';
import { hash32 } from './blocking/hash';
import { COMPARATORS, ComparatorDefinition } from './compare/comparators';
import {
  defaultPinyinOf,
  LinkageInput,
  LinkageValues,
  linkageBirthDate,
  linkageCitizenId,
  linkageGender,
  linkageName,
  linkageRegion,
  PinyinOf,
  prepareValues,
} from './compare/values';
import { LinkageConfig, levelWeights } from './config/linkage-config';
import { IdColumn } from './id-column';
import { SlotTable } from './slot-table';

/** A registry person as the linker indexes it. */
export interface LinkagePerson extends LinkageInput {
  readonly personId: string;
}

export type LinkOutcome = 'link' | 'possible' | 'none';

export interface FieldEvidence {
  readonly level: string;
  /** log2(m/u) of the level; 0 for 'missing'. */
  readonly weight: number;
}

export interface LinkDecision {
  /** 'link': auto-link; 'possible': an operator decides; 'none': no candidate reached `possible`. */
  readonly outcome: LinkOutcome;
  /** Best candidate, for 'link' and 'possible'. */
  readonly personId?: string;
  /** Total weight of the best candidate (bits); 0 when there was no candidate. */
  readonly score: number;
  /** Runner-up, when there was one: a small gap sends the record to review. */
  readonly secondScore?: number;
  readonly secondPersonId?: string;
  /** Per configured field, the best candidate's agreement level and its weight. */
  readonly fields: Readonly<Record<string, FieldEvidence>>;
  /** Distinct persons scored. */
  readonly candidates: number;
  /** Blocks left out because they exceeded `blocking.maxBlockSize`. */
  readonly skippedBlocks: number;
  /** 'exact-id': a valid ID equal to exactly one person's, no scoring needed to decide. */
  readonly method: 'exact-id' | 'scored';
}

/** One candidate pair's agreement levels, the input of `estimateWeights`. */
export interface CandidateComparison {
  readonly personId: string;
  readonly levels: Readonly<Record<string, string>>;
  readonly score: number;
}

/** How a person is added: `secondary` persons are left out of links asked with `primaryOnly`. */
export interface AddOptions {
  readonly secondary?: boolean;
}

/** `primaryOnly`: only persons added without `secondary` are candidates. */
export interface LinkOptions {
  readonly primaryOnly?: boolean;
}

/** Bits of a slot's state. */
const REMOVED = 1;
const SECONDARY = 2;

export interface LinkerOptions {
  /** Pinyin key of a normalised name; injectable so tests can stub pinyin-pro. */
  readonly pinyinOf?: PinyinOf;
}

/** Growable typed column: a million persons cost 4 bytes each per column, not a boxed array slot. */
class Column<T extends Int32Array | Uint32Array | Uint8Array> {
  constructor(public data: T) {}
  set(i: number, v: number): void {
    if (i >= this.data.length) {
      const bigger = new (this.data.constructor as new (n: number) => T)(Math.max(1024, this.data.length * 2));
      bigger.set(this.data);
      this.data = bigger;
    }
    this.data[i] = v;
  }
}

/** Strings seen many times (names, regions) stored once, referred to by index. */
class Interner {
  readonly values: string[] = [];
  private readonly index = new Map<string, number>();
  intern(s: string): number {
    let i = this.index.get(s);
    if (i === undefined) {
      i = this.values.length;
      this.values.push(s);
      this.index.set(s, i);
    }
    return i;
  }
}

/**
 * Citizen ID numbers as the linker holds them (17 digits and an optional check character, see
 * linkageCitizenId), two 32-bit words each instead of a string: at 1,000,000 persons some 40 MB
 * less of heap, which V8 would let grow to twice that before collecting. The first word is
 * the first nine digits; the second, the next eight times 12 plus the check character (0–9, 10
 * for X, 11 for none). A slot without an ID has NO_ID in the first word.
 */
class CitizenIdColumn {
  private static readonly NO_ID = 0xffffffff;
  private high = new Column(new Uint32Array(1024));
  private low = new Column(new Uint32Array(1024));

  set(i: number, id: string | undefined): void {
    this.high.set(i, id === undefined ? CitizenIdColumn.NO_ID : CitizenIdColumn.highWord(id));
    this.low.set(i, id === undefined ? 0 : CitizenIdColumn.lowWord(id));
  }

  get(i: number): string | undefined {
    const high = this.high.data[i];
    if (high === CitizenIdColumn.NO_ID) return undefined;
    const low = this.low.data[i];
    const check = low % 12;
    const digits = String(high).padStart(9, '0') + String((low - check) / 12).padStart(8, '0');
    return check === 11 ? digits : digits + (check === 10 ? 'X' : String(check));
  }

  /** Whether slot i holds this ID, as `set` would store it (compared without building a string). */
  holds(i: number, id: string): boolean {
    return this.high.data[i] === CitizenIdColumn.highWord(id) && this.low.data[i] === CitizenIdColumn.lowWord(id);
  }

  private static highWord(id: string): number {
    return Number(id.slice(0, 9));
  }

  private static lowWord(id: string): number {
    const check = id.length === 17 ? 11 : id[17] === 'X' ? 10 : Number(id[17]);
    return Number(id.slice(9, 17)) * 12 + check;
  }

  get bytes(): number {
    return this.high.data.byteLength + this.low.data.byteLength;
  }
}

interface CompiledField {
  readonly name: string;
  readonly comparator: ComparatorDefinition;
  readonly options: Readonly<Record<string, unknown>>;
  readonly weights: Readonly<Record<string, number>>;
}

/**
 * Fellegi–Sunter linkage of department records to registry persons. Persons are added
 * once (columnar, interned, hash-blocked, the person ids packed: most of it in typed arrays
 * outside the heap, which V8 does not let grow to twice what it keeps); each record meets only
 * the persons sharing a blocking key, with oversize blocks skipped, so the cost of a
 * file grows with its length, not with its length times the registry's.
 */
export class Linker {
  private readonly fields: readonly CompiledField[];
  private readonly blockKeys: readonly { readonly rule: BlockKeyRule; readonly index: BlockIndex }[];
  private readonly exact = new BlockIndex();
  private readonly pinyinOf: PinyinOf;
  private readonly recordPinyin = new Map<string, string>();

  private readonly personIds = new IdColumn();
  private readonly citizenIds = new CitizenIdColumn();
  private readonly names = new Interner();
  private readonly namePinyins: string[] = [];
  private readonly regions = new Interner();
  private nameIdx = new Column(new Int32Array(1024));
  private birth = new Column(new Int32Array(1024));
  private gender = new Column(new Uint8Array(1024));
  private regionIdx = new Column(new Int32Array(1024));
  /** The region as the person was added with it (interned with the rest), for regionOf. */
  private givenRegionIdx = new Column(new Int32Array(1024));
  /** REMOVED / SECONDARY bits per slot. */
  private state = new Column(new Uint8Array(1024));
  /** A person's current slot: re-adding a person replaces them (the old slot is marked removed). */
  private readonly slotOf = new SlotTable(this.personIds);
  /** Per-person stamp of the last record that reached it: de-duplicates candidates without a Set. */
  private seen = new Uint32Array(1024);
  private stamp = 0;

  constructor(
    readonly config: LinkageConfig,
    options: LinkerOptions = {},
  ) {
    const weights = levelWeights(config);
    this.fields = Object.entries(config.fields).map(([name, f]) => ({
      name,
      comparator: COMPARATORS[f.comparator],
      options: f.options ?? {},
      weights: weights[name],
    }));
    this.blockKeys = config.blocking.keys.map((k) => ({ rule: BLOCK_KEY_RULES[k], index: new BlockIndex() }));
    this.pinyinOf = options.pinyinOf ?? defaultPinyinOf;
  }

  /** Persons currently held (a replaced or removed person counts no more). */
  get size(): number {
    return this.slotOf.size;
  }

  has(personId: string): boolean {
    return this.slotOf.get(personId) !== undefined;
  }

  /** The ID digits a held person was added with (17 or 18 characters), if any. */
  citizenIdOf(personId: string): string | undefined {
    const slot = this.slotOf.get(personId);
    return slot === undefined ? undefined : this.citizenIds.get(slot);
  }

  /** The region a held person was added with, as it was given (the comparison uses a normalised form). */
  regionOf(personId: string): string | undefined {
    const slot = this.slotOf.get(personId);
    const i = slot === undefined ? -1 : this.givenRegionIdx.data[slot];
    return i < 0 ? undefined : this.regions.values[i];
  }

  /**
   * Takes a person out: their slot stays (block indices are append-only) but is never a
   * candidate again. It still counts towards its blocks' sizes until the linker is rebuilt.
   */
  remove(personId: string): boolean {
    const slot = this.slotOf.get(personId);
    if (slot === undefined) return false;
    this.state.set(slot, this.state.data[slot] | REMOVED);
    this.deadSlots++;
    this.slotOf.delete(personId);
    return true;
  }

  /** Bytes held by typed columns and block indices (strings and maps not counted). */
  indexBytes(): number {
    const cols =
      this.nameIdx.data.byteLength +
      this.birth.data.byteLength +
      this.gender.data.byteLength +
      this.regionIdx.data.byteLength +
      this.givenRegionIdx.data.byteLength +
      this.state.data.byteLength +
      this.citizenIds.bytes +
      this.slotOf.bytes +
      this.personIds.byteLength +
      this.seen.byteLength;
    return cols + this.exact.bytes + this.blockKeys.reduce((s, b) => s + b.index.bytes, 0);
  }

  /** Adds a person; a person added before (same personId) is replaced. */
  add(person: LinkagePerson, options: AddOptions = {}): void {
    if (typeof person.personId !== 'string' || person.personId === '') throw new Error('Linker.add: personId must be a non-empty string');
    this.remove(person.personId);
    const i = this.personIds.push(person.personId);
    this.slotOf.set(person.personId, i);
    this.state.set(i, options.secondary ? SECONDARY : 0);
    const name = linkageName(person.name);
    const id = linkageCitizenId(person.citizenId);
    const birthDate = linkageBirthDate(person.birthDate);
    const gender = linkageGender(person.gender);
    const region = linkageRegion(person.region);

    this.citizenIds.set(i, id);
    if (name === undefined) this.nameIdx.set(i, -1);
    else {
      const n = this.names.intern(name);
      if (n === this.namePinyins.length) this.namePinyins.push(this.pinyinOf(name));
      this.nameIdx.set(i, n);
    }
    this.birth.set(i, birthDate === undefined ? 0 : Number(birthDate));
    this.gender.set(i, gender === undefined ? 0 : Number(gender));
    this.regionIdx.set(i, region === undefined ? -1 : this.regions.intern(region));
    this.givenRegionIdx.set(i, person.region === undefined ? -1 : this.regions.intern(person.region));
    if (i >= this.seen.length) {
      const bigger = new Uint32Array(this.seen.length * 2);
      bigger.set(this.seen);
      this.seen = bigger;
    }

    const v = this.valuesOf(i);
    if (id !== undefined && id.length === 18) this.exact.add(hash32(id), i);
    for (const { rule, index } of this.blockKeys) {
      const key = rule.person(v);
      if (key !== undefined) index.add(hash32(key), i);
    }
  }

  link(record: LinkageInput, options: LinkOptions = {}): LinkDecision {
    const v = this.prepare(record);
    const exact = this.exactMatches(v, options);
    if (exact.length === 1) {
      const { total, fields } = this.score(v, exact[0]);
      return {
        outcome: 'link',
        personId: this.personIds.get(exact[0]),
        score: total,
        fields,
        candidates: 1,
        skippedBlocks: 0,
        method: 'exact-id',
      };
    }
    const { candidates, skippedBlocks } = this.candidatesOf(v, exact, options);
    let best = -1;
    let bestScore = -Infinity;
    let second = -1;
    let secondScore = -Infinity;
    // Equal scores go to the smaller person id: the decision is the same whatever order the
    // persons were added in (a read model's scan order differs between stores).
    const before = (c: number, s: number, other: number, otherScore: number) =>
      s > otherScore || (s === otherScore && other >= 0 && this.personIds.compare(c, other) < 0);
    for (const c of candidates) {
      const s = this.score(v, c).total;
      if (best < 0 || before(c, s, best, bestScore)) {
        [second, secondScore] = [best, bestScore];
        [best, bestScore] = [c, s];
      } else if (second < 0 || before(c, s, second, secondScore)) {
        [second, secondScore] = [c, s];
      }
    }
    if (best < 0) return { outcome: 'none', score: 0, fields: {}, candidates: 0, skippedBlocks, method: 'scored' };
    const { thresholds } = this.config;
    const clearWinner = second < 0 || bestScore - secondScore >= thresholds.margin;
    const outcome: LinkOutcome =
      bestScore >= thresholds.link && clearWinner ? 'link' : bestScore >= thresholds.possible ? 'possible' : 'none';
    return {
      outcome,
      ...(outcome !== 'none' ? { personId: this.personIds.get(best) } : {}),
      score: bestScore,
      ...(second >= 0 ? { secondScore, secondPersonId: this.personIds.get(second) } : {}),
      fields: this.score(v, best).fields,
      candidates: candidates.length,
      skippedBlocks,
      method: 'scored',
    };
  }

  /** Every blocked candidate with its levels, for weight estimation and for review screens. */
  compareCandidates(record: LinkageInput, options: LinkOptions = {}): CandidateComparison[] {
    const v = this.prepare(record);
    return this.candidatesOf(v, this.exactMatches(v, options), options).candidates.map((c) => {
      const { total, fields } = this.score(v, c);
      const levels: Record<string, string> = {};
      for (const [name, evidence] of Object.entries(fields)) levels[name] = evidence.level;
      return { personId: this.personIds.get(c), levels, score: total };
    });
  }

  private prepare(record: LinkageInput): LinkageValues {
    return prepareValues(record, (name) => {
      let p = this.recordPinyin.get(name);
      if (p === undefined) {
        // Bounded: department files repeat names, but a cache must not grow with the file.
        if (this.recordPinyin.size >= 100_000) this.recordPinyin.clear();
        p = this.pinyinOf(name);
        this.recordPinyin.set(name, p);
      }
      return p;
    });
  }

  /** Whether slot `i` still holds a person (not removed or replaced): what counts towards a block's size. */
  /** Slots removed or replaced: a block over the size limit by more than this is over it among live persons too. */
  private deadSlots = 0;
  private readonly live = (i: number): boolean => (this.state.data[i] & REMOVED) === 0;

  /** Whether slot `i` may be a candidate: not removed, and primary when only primaries are asked for. */
  private eligible(i: number, options: LinkOptions): boolean {
    const state = this.state.data[i];
    return (state & REMOVED) === 0 && (!options.primaryOnly || (state & SECONDARY) === 0);
  }

  private exactMatches(v: LinkageValues, options: LinkOptions): number[] {
    const id = v.citizenId;
    if (id === undefined || id.length !== 18 || citizenIdCheckCharacter(id.slice(0, 17)) !== id[17]) return [];
    const out: number[] = [];
    this.exact.lookup(hash32(id), Number.MAX_SAFE_INTEGER, (i) => {
      if (this.citizenIds.holds(i, id) && this.eligible(i, options)) out.push(i);
    });
    return out;
  }

  private candidatesOf(v: LinkageValues, seed: readonly number[], options: LinkOptions): { candidates: number[]; skippedBlocks: number } {
    this.stamp = (this.stamp + 1) >>> 0;
    if (this.stamp === 0) {
      this.seen.fill(0);
      this.stamp = 1;
    }
    const stamp = this.stamp;
    const candidates: number[] = [];
    const visit = (i: number): void => {
      if (this.seen[i] === stamp) return;
      this.seen[i] = stamp;
      if (this.eligible(i, options)) candidates.push(i);
    };
    for (const i of seed) visit(i);
    let skippedBlocks = 0;
    const cap = this.config.blocking.maxBlockSize;
    for (const { rule, index } of this.blockKeys) {
      const key = rule.record(v);
      if (key !== undefined && index.lookup(hash32(key), cap, visit, this.live, this.deadSlots) < 0) skippedBlocks++;
    }
    return { candidates, skippedBlocks };
  }

  /**
   * Sum of the fields' weights, each field's agreement level with it. A field whose agreement
   * another field's level already implies (the ID spells out birth date and gender) weighs
   * nothing when it agrees at its best level: the same evidence is counted once.
   */
  private score(v: LinkageValues, person: number): { total: number; fields: Record<string, FieldEvidence> } {
    const p = this.valuesOf(person);
    const fields: Record<string, FieldEvidence> = {};
    const levels = this.fields.map((f) => f.comparator.compare(v, p, f.options));
    let implied: readonly string[] = [];
    for (let i = 0; i < this.fields.length; i++) {
      const more = this.fields[i].comparator.implies?.(levels[i], v, p);
      if (more && more.length > 0) implied = implied.length === 0 ? more : [...implied, ...more];
    }
    let total = 0;
    for (let i = 0; i < this.fields.length; i++) {
      const f = this.fields[i];
      const level = levels[i];
      const weight = implied.includes(f.comparator.name) && level === f.comparator.levels[0] ? 0 : (f.weights[level] ?? 0);
      fields[f.name] = { level, weight };
      total += weight;
    }
    return { total, fields };
  }

  private valuesOf(i: number): LinkageValues {
    const n = this.nameIdx.data[i];
    const b = this.birth.data[i];
    const g = this.gender.data[i];
    const r = this.regionIdx.data[i];
    return {
      citizenId: this.citizenIds.get(i),
      name: n < 0 ? undefined : this.names.values[n],
      namePinyin: n < 0 ? undefined : this.namePinyins[n] || undefined,
      birthDate: b === 0 ? undefined : String(b).padStart(8, '0'),
      gender: g === 1 ? '1' : g === 2 ? '2' : undefined,
      region: r < 0 ? undefined : this.regions.values[r],
    };
  }
}
