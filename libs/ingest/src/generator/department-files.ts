import { join } from 'node:path';
import { IngestSourceKind } from '../source-kinds';
import { ProvinceDivisions } from './divisions';
import { DOT_VARIANTS, generateName, homophoneOf, typoOf } from './names';
import { dateIn, DateStyle, dayToIso, isoToDay, NoiseRates, renderCitizenId, renderDate } from './noise';
import { outsiderId, Person, TrueRecord } from './population';
import { Rng } from './prng';
import { Cell, CsvSink, NdjsonSink, RowSink, XlsxSink } from './writers';

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

export const FILES = {
  'household-registration': 'household-registration.csv',
  'insurance-enrollment': 'insurance-enrollment.csv',
  'card-library': 'card-library.xlsx',
  health: 'health.ndjson',
  'civil-affairs': 'civil-affairs.csv',
  disability: 'disability.csv',
} as const;

export interface GeneratedFile {
  readonly kind: IngestSourceKind;
  readonly file: string;
  readonly format: 'csv' | 'xlsx' | 'ndjson';
  readonly encoding: 'utf-8' | 'gb18030';
  readonly bom: boolean;
  readonly rows: number;
}

/**
 * The departments' files of a synthetic province, one writer per source: each writes a
 * person's rows in that department's own layout, encoding and date habit, with the noise that
 * department's data carries, and the truth line of every row it writes. Writers draw from the
 * person's generator in a fixed order, so a seed gives the same bytes.
 */
export class DepartmentFiles {
  private readonly household: CsvSink;
  private readonly enrolment: CsvSink;
  private readonly cards: XlsxSink;
  private readonly healthRows: NdjsonSink;
  private readonly civil: CsvSink;
  private readonly disabilityRows: CsvSink;
  private readonly truthRecords: NdjsonSink;
  private readonly sinks: RowSink[];
  readonly noiseCounts: Record<string, number> = {};
  private serial = 0;

  constructor(
    out: string,
    private readonly rates: NoiseRates,
    private readonly div: ProvinceDivisions,
    private readonly province: string,
    private readonly todayDay: number,
  ) {
    this.household = new CsvSink(join(out, FILES['household-registration']), 'gb18030', false, HEADERS['household-registration']);
    this.enrolment = new CsvSink(join(out, FILES['insurance-enrollment']), 'utf-8', true, HEADERS['insurance-enrollment']);
    this.cards = new XlsxSink(join(out, FILES['card-library']), HEADERS['card-library']);
    this.healthRows = new NdjsonSink(join(out, FILES.health));
    this.civil = new CsvSink(join(out, FILES['civil-affairs']), 'gb18030', false, HEADERS['civil-affairs']);
    this.disabilityRows = new CsvSink(join(out, FILES.disability), 'utf-8', false, HEADERS.disability);
    this.truthRecords = new NdjsonSink(join(out, 'truth', 'records.ndjson'));
    this.sinks = [this.household, this.enrolment, this.cards, this.healthRows, this.civil, this.disabilityRows, this.truthRecords];
  }

  /** Every department's rows about one person, in a fixed order. */
  write(p: Person, rng: Rng): void {
    this.householdRegistration(p, rng);
    this.insuranceEnrollment(p, rng);
    this.cardLibrary(p, rng);
    this.health(p, rng);
    this.civilAffairs(p, rng);
    this.disability(p, rng);
    if (rng.chance(this.rates.orphanRow)) this.outsider(rng);
  }

  /** 公安户籍 (authoritative identity; GB18030, compact dates). */
  private householdRegistration(p: Person, rng: Rng): void {
    if (!p.registered) return;
    const { div, rates } = this;
    const noise: string[] = [];
    let region: string = rng.chance(0.1) ? p.county.code : p.region;
    if (div.historicalCounties.length > 0 && rng.chance(rates.historicalRegion)) {
      region = rng.pick(div.historicalCounties);
      noise.push('historical-region');
    } else if (rng.chance(rates.unknownRegion)) {
      region = `${p.county.code}999`;
      noise.push('unknown-region');
    }
    const township = p.county.townships.find((t) => t.code === p.region)?.name ?? '';
    const status = { active: '正常', 'moved-out': '迁出省外', cancelled: '注销' }[p.householdStatus];
    const statusText =
      p.householdStatus === 'cancelled'
        ? ({ death: '死亡注销', emigration: '出国(境)定居', 'military-service': '服兵役', other: '注销' } as const)[
            p.cancellationReason ?? 'other'
          ]
        : status;
    const phone = p.ageYears >= 16 && rng.chance(0.7) ? `1${rng.pick(['3', '5', '8', '9'])}${String(rng.int(1e9)).padStart(9, '0')}` : '';
    const cells: Cell[] = [
      `HJ${this.nextSerial()}`,
      renderCitizenId(rng, p.citizenId, rates, noise),
      this.nameFor(rng, p, noise, true),
      this.genderText(rng, p, noise),
      this.birthDateFor(rng, p, 'household-registration', noise),
      region,
      `${div.provinceName}${p.county.name}${township}${rng.pick(STREETS)}${rng.between(1, 300)}号`,
      statusText,
      phone,
    ];
    this.blank('household-registration', rng, cells, noise);
    this.emit('household-registration', rng, p.truePersonId, cells, noise);
  }

  /** 社保业务系统: one row per enrolment (UTF-8 with BOM, ISO dates). */
  private insuranceEnrollment(p: Person, rng: Rng): void {
    for (const e of p.enrolments) {
      const noise: string[] = [];
      const cells: Cell[] = [
        `YW${this.nextSerial()}`,
        renderCitizenId(rng, p.citizenId, this.rates, noise),
        this.nameFor(rng, p, noise, false),
        // Business systems keep gender and birth date as registered at enrolment, now and then with day and month swapped.
        p.gender === '1' ? '男' : '女',
        this.enrolmentBirthDate(rng, p, noise),
        e.type,
        e.status,
        rng.chance(0.5) ? this.province : `${this.province}0000`,
        dateIn(rng, e.since, DATE_STYLE['insurance-enrollment'], this.rates.dateFormat, noise),
      ];
      this.blank('insurance-enrollment', rng, cells, noise);
      this.emit('insurance-enrollment', rng, p.truePersonId, cells, noise);
    }
  }

  /** 社保卡库 (XLSX, dates as Excel serial numbers). */
  private cardLibrary(p: Person, rng: Rng): void {
    const cardChance =
      p.coverage.status === 'insured-local' ? 0.85 : p.coverage.status === 'insured-elsewhere' ? 0.3 : p.alive ? 0.15 : 0.5;
    if (p.ageYears < 1 || !rng.chance(cardChance)) return;
    const noise: string[] = [];
    const cells: Cell[] = [
      `K${this.nextSerial()}`,
      renderCitizenId(rng, p.citizenId, this.rates, noise),
      this.nameFor(rng, p, noise, false),
      this.genderText(rng, p, noise),
      this.birthDateFor(rng, p, 'card-library', noise),
      p.county.code,
    ];
    this.blank('card-library', rng, cells, noise);
    this.emit('card-library', rng, p.truePersonId, cells, noise);
  }

  /** 卫健: births in the last year, 60 % of deaths (NDJSON). */
  private health(p: Person, rng: Rng): void {
    const { rates } = this;
    if (this.todayDay - isoToDay(p.birthDate) < 365) {
      const noise: string[] = [];
      const withId = p.registered && rng.chance(0.6);
      const row: Record<string, string> = {
        证明编号: `O${this.nextSerial()}`,
        事件类型: '出生',
        公民身份号码: withId ? renderCitizenId(rng, p.citizenId, rates, noise, false) : '',
        姓名: this.nameFor(rng, p, noise, false),
        性别: this.genderText(rng, p, noise),
        出生日期: String(this.birthDateFor(rng, p, 'health', noise)),
        行政区划代码: p.region,
      };
      if (rng.chance(rates.missingField)) {
        row['姓名'] = '';
        noise.push('missing-field:姓名');
      }
      this.emit('health', rng, p.truePersonId, row, noise);
    }
    if (!p.alive && rng.chance(0.6)) {
      const noise: string[] = [];
      const row: Record<string, string> = {
        证明编号: `D${this.nextSerial()}`,
        事件类型: '死亡',
        公民身份号码: renderCitizenId(rng, p.citizenId, rates, noise),
        姓名: this.nameFor(rng, p, noise, false),
        性别: this.genderText(rng, p, noise),
        出生日期: String(this.birthDateFor(rng, p, 'health', noise)),
        死亡日期: String(dateIn(rng, p.dateOfDeath as string, DATE_STYLE.health, rates.dateFormat, noise)),
        行政区划代码: p.region,
      };
      this.emit('health', rng, p.truePersonId, row, noise);
    }
  }

  /** 民政: deaths and cremations (70 % of deaths), minimum-living allowance (GB18030, 年月日 dates). */
  private civilAffairs(p: Person, rng: Rng): void {
    const { rates } = this;
    const civilRow = (event: string, death: string, since: string, noise: string[]): Cell[] => {
      const cells: Cell[] = [
        `MZ${this.nextSerial()}`,
        event,
        renderCitizenId(rng, p.citizenId, rates, noise),
        this.nameFor(rng, p, noise, false),
        death,
        since,
        p.county.code,
      ];
      this.blank('civil-affairs', rng, cells, noise);
      return cells;
    };
    if (!p.alive && rng.chance(0.7)) {
      const noise: string[] = [];
      const death = String(dateIn(rng, p.dateOfDeath as string, DATE_STYLE['civil-affairs'], rates.dateFormat, noise));
      this.emit('civil-affairs', rng, p.truePersonId, civilRow(rng.chance(0.5) ? '死亡' : '火化', death, '', noise), noise);
    }
    if (p.flags.includes('minimum-living-allowance')) {
      const noise: string[] = [];
      const since = dayToIso(this.todayDay - rng.between(30, 1800));
      const started = String(dateIn(rng, since, DATE_STYLE['civil-affairs'], rates.dateFormat, noise));
      this.emit('civil-affairs', rng, p.truePersonId, civilRow('低保', '', started, noise), noise);
    }
  }

  /** 残联: certificate number = ID + category + grade; no record-id column on purpose. */
  private disability(p: Person, rng: Rng): void {
    if (!p.flags.includes('disabled')) return;
    const noise: string[] = [];
    const grade = rng.between(1, 4);
    const issued = dayToIso(Math.max(isoToDay(p.birthDate) + 30, this.todayDay - rng.between(30, 5000)));
    const cells: Cell[] = [
      `${p.citizenId}${rng.between(1, 7)}${grade}`,
      renderCitizenId(rng, p.citizenId, this.rates, noise),
      this.nameFor(rng, p, noise, false),
      GRADE_NAMES[grade - 1],
      p.county.code,
      dateIn(rng, issued, DATE_STYLE.disability, this.rates.dateFormat, noise),
    ];
    this.blank('disability', rng, cells, noise);
    this.emit('disability', rng, p.truePersonId, cells, noise);
  }

  /** Rows about nobody in this province: a card and an enrolment of an outsider. */
  private outsider(rng: Rng): void {
    const outsider = outsiderId(rng, this.div, this.todayDay);
    const name = generateName(rng, outsider.gender, { minority: 0, rare: 0 }).name;
    const gender = outsider.gender === '1' ? '男' : '女';
    const card = [
      `K${this.nextSerial()}`,
      outsider.id,
      name,
      gender,
      renderDate(outsider.birthDate, 'serial'),
      rng.pick(this.div.counties).code,
    ];
    this.emit('card-library', rng, null, card, ['orphan']);
    const since = dayToIso(this.todayDay - rng.between(30, 3000));
    const enrolment = [`YW${this.nextSerial()}`, outsider.id, name, gender, outsider.birthDate, '390', '1', this.province, since];
    this.emit('insurance-enrollment', rng, null, enrolment, ['orphan']);
  }

  private nextSerial(): string {
    return String(++this.serial).padStart(10, '0');
  }

  /** Writes a row (and maybe its duplicate) and the matching truth lines. */
  private emit(
    kind: IngestSourceKind,
    rng: Rng,
    truePersonId: string | null,
    cells: readonly Cell[] | Record<string, string>,
    noise: string[],
  ): void {
    const file = FILES[kind];
    const write = (): number => {
      if (kind === 'health') {
        this.healthRows.write(cells as Record<string, string>);
        return this.healthRows.rows;
      }
      const sink = {
        'household-registration': this.household,
        'insurance-enrollment': this.enrolment,
        'card-library': this.cards,
        'civil-affairs': this.civil,
        disability: this.disabilityRows,
      }[kind];
      sink.write(cells as readonly Cell[]);
      return sink.rows;
    };
    this.truthRecords.write({ file, rowNumber: write(), truePersonId, noise } satisfies TrueRecord);
    for (const n of noise) this.countNoise(n);
    if (rng.chance(this.rates.duplicateRow)) {
      this.truthRecords.write({ file, rowNumber: write(), truePersonId, noise: [...noise, 'duplicate-row'] } satisfies TrueRecord);
      this.countNoise('duplicate-row');
    }
  }

  private countNoise(noise: string): void {
    this.noiseCounts[noise] = (this.noiseCounts[noise] ?? 0) + 1;
  }

  /** The name as another department typed it. */
  private nameFor(rng: Rng, p: Person, noise: string[], authoritative: boolean): string {
    const { rates } = this;
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

  private blank(kind: keyof typeof HEADERS, rng: Rng, cells: Cell[], noise: string[]): void {
    if (!rng.chance(this.rates.missingField)) return;
    const header = rng.pick(BLANKABLE[kind]);
    cells[(HEADERS[kind] as readonly string[]).indexOf(header)] = '';
    noise.push(`missing-field:${header}`);
  }

  private genderText(rng: Rng, p: Person, noise: string[]): string {
    if (rng.chance(this.rates.genderMismatch)) {
      noise.push('gender-mismatch');
      return p.gender === '1' ? '女' : '男';
    }
    return p.gender === '1' ? '男' : '女';
  }

  private birthDateFor(rng: Rng, p: Person, kind: IngestSourceKind, noise: string[]): Cell {
    let iso = p.birthDate;
    if (rng.chance(this.rates.birthDateMismatch)) {
      iso = dayToIso(isoToDay(iso) + rng.between(1, 30));
      noise.push('birth-date-mismatch');
    }
    return dateIn(rng, iso, DATE_STYLE[kind], this.rates.dateFormat, noise);
  }

  private enrolmentBirthDate(rng: Rng, p: Person, noise: string[]): Cell {
    const iso = p.birthDate;
    if (iso.slice(5, 7) === iso.slice(8, 10) || !rng.chance(this.rates.birthDateSwap)) return iso;
    noise.push('birth-date-swapped');
    return `${iso.slice(0, 4)}-${iso.slice(8, 10)}-${iso.slice(5, 7)}`;
  }

  async flush(): Promise<void> {
    for (const s of this.sinks) await s.flush();
  }

  async close(): Promise<void> {
    for (const s of this.sinks) await s.close();
  }

  /** What was written, for the manifest. */
  files(): GeneratedFile[] {
    return [
      {
        kind: 'household-registration',
        file: FILES['household-registration'],
        format: 'csv',
        encoding: 'gb18030',
        bom: false,
        rows: this.household.rows,
      },
      {
        kind: 'insurance-enrollment',
        file: FILES['insurance-enrollment'],
        format: 'csv',
        encoding: 'utf-8',
        bom: true,
        rows: this.enrolment.rows,
      },
      { kind: 'card-library', file: FILES['card-library'], format: 'xlsx', encoding: 'utf-8', bom: false, rows: this.cards.rows },
      { kind: 'health', file: FILES.health, format: 'ndjson', encoding: 'utf-8', bom: false, rows: this.healthRows.rows },
      { kind: 'civil-affairs', file: FILES['civil-affairs'], format: 'csv', encoding: 'gb18030', bom: false, rows: this.civil.rows },
      { kind: 'disability', file: FILES.disability, format: 'csv', encoding: 'utf-8', bom: false, rows: this.disabilityRows.rows },
    ];
  }
}
