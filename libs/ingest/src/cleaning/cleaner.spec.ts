import { citizenIdCheckCharacter, loadRegionTable, normalisePersonName } from '@registry/domain';
import { createHash } from 'node:crypto';
import { loadMapping } from '../mapping/mapping';
import { RawRecord } from '../readers/types';
import { IngestSourceKind } from '../source-kinds';
import { CleanResult, createCleaner } from './cleaner';
import { excelSerialToIso, parseDepartmentDate } from './dates';
import { isPlainHanName, nameRule, phoneRule, RuleResult } from './field-rules';
import { ALL_ISSUE_CODES, ISSUE_CODES } from './issues';
import { RememberedRule } from './remembered-rule';

const regions = loadRegionTable();
const today = '2024-06-30';
const id17 = (first17: string) => first17 + citizenIdCheckCharacter(first17);
/** 广州市天河区, born 1990-01-02, sequence 123 → male. */
const ID = id17('44010619900102123');
const ID_F = id17('44010619900102124');

let n = 0;
function row(values: Record<string, string>, extra: Partial<RawRecord> = {}): RawRecord {
  return { rowNumber: ++n, values, rawLine: JSON.stringify(values), ...extra };
}
function cleaner<K extends IngestSourceKind>(kind: K, opts = {}) {
  return createCleaner(kind, loadMapping(kind), { regions, today, ...opts });
}
const hh = (over: Record<string, string> = {}, extra: Partial<RawRecord> = {}) =>
  row(
    { 公民身份号码: ID, 姓名: '王小明', 性别: '男', 出生日期: '1990-01-02', 行政区划代码: '440106001', 户籍地址: '天河路1号', ...over },
    extra,
  );
const codes = (r: CleanResult) => (r.status === 'ok' ? r.warnings : [...r.reasons, ...r.warnings]).map((i) => i.code);
const ok = (r: CleanResult) => {
  if (r.status !== 'ok') throw new Error(`expected ok, got ${codes(r).join(',')}`);
  return r;
};
const rejected = (r: CleanResult) => {
  if (r.status !== 'rejected') throw new Error('expected rejected');
  return r;
};

describe('cleaning rules', () => {
  it('accepts a clean household row as a canonical record', () => {
    const r = ok(cleaner('household-registration').clean(hh({ 户口状态: '死亡注销', 联系电话: '138 0013 8000' })));
    expect(r.warnings).toEqual([]);
    expect(r.record).toEqual({
      kind: 'household-registration',
      sourceRecordId: expect.stringMatching(/^h[0-9a-f]{20}$/),
      citizenId: ID,
      name: '王小明',
      gender: '1',
      birthDate: '1990-01-02',
      householdRegion: '440106001',
      householdAddress: '天河路1号',
      householdStatus: 'cancelled',
      cancellationReason: 'death',
      phone: '13800138000',
    });
  });

  it('derives the same sourceRecordId from the same content (no record-id column)', () => {
    const a = ok(cleaner('household-registration').clean(hh())).record.sourceRecordId;
    const b = ok(cleaner('household-registration').clean(hh({ 出生日期: '1990/1/2' }))).record.sourceRecordId;
    const c = ok(cleaner('household-registration').clean(hh({ 户籍地址: '别处' }))).record.sourceRecordId;
    expect(a).toBe(b);
    expect(c).not.toBe(a);
    expect(ok(cleaner('household-registration').clean(hh({ 记录编号: 'R-1' }))).record.sourceRecordId).toBe('R-1');
  });

  it('ID_NORMALISED (warning): full-width digits, lower-case x, spaces, apostrophes', () => {
    const seq = [...Array(900).keys()].map((i) => String(100 + i)).find((q) => id17(`44010619900102${q}`).endsWith('X'));
    const withX = id17(`44010619900102${seq}`);
    const fullWidth = ID.replace(/\d/g, (d) => String.fromCharCode(0xff10 + Number(d)));
    for (const raw of [fullWidth, `'${ID}`, `${ID.slice(0, 6)} ${ID.slice(6)}`, withX.toLowerCase()]) {
      const r = ok(cleaner('household-registration').clean(hh({ 公民身份号码: raw, 性别: '' === raw ? '' : '男' })));
      expect(codes(r)).toContain('ID_NORMALISED');
      expect(r.warnings[0]).toMatchObject({ severity: 'warning', field: 'citizenId' });
    }
  });

  it('ID_UPGRADED_FROM_15 (warning): 15-digit IDs become 18', () => {
    const r = ok(cleaner('household-registration').clean(hh({ 公民身份号码: '440106900102123' })));
    expect(codes(r)).toEqual(['ID_UPGRADED_FROM_15']);
    expect(r.record.kind === 'household-registration' && r.record.citizenId).toBe(ID);
  });

  it('ID_BAD_CHECK_CHARACTER / ID_MISSING_CHECK_CHARACTER (error) with the partial fields kept', () => {
    const wrong = ID.slice(0, 17) + (ID[17] === '0' ? '1' : '0');
    const r = rejected(cleaner('household-registration').clean(hh({ 公民身份号码: wrong })));
    expect(r.reasons.map((i) => i.code)).toEqual(['ID_BAD_CHECK_CHARACTER']);
    expect(r.reasons[0].severity).toBe('error');
    expect(r.partial).toEqual({
      kind: 'household-registration',
      fields: {
        name: '王小明',
        gender: '1',
        birthDate: '1990-01-02',
        householdRegion: '440106001',
        householdAddress: '天河路1号',
        rawCitizenId: wrong,
      },
    });
    expect(codes(cleaner('household-registration').clean(hh({ 公民身份号码: ID.slice(0, 17) })))).toEqual(['ID_MISSING_CHECK_CHARACTER']);
    const fullWidth17 = ID.slice(0, 17).replace(/\d/g, (d) => String.fromCharCode(0xff10 + Number(d)));
    expect(codes(cleaner('household-registration').clean(hh({ 公民身份号码: fullWidth17 })))).toEqual(['ID_MISSING_CHECK_CHARACTER']);
    expect(codes(cleaner('household-registration').clean(hh({ 公民身份号码: '4401' })))).toEqual(['ID_BAD_LENGTH']);
    expect(codes(cleaner('household-registration').clean(hh({ 公民身份号码: 'A' + ID.slice(1) })))).toEqual(['ID_BAD_CHARACTERS']);
  });

  it('ID_BAD_BIRTH_DATE / ID_BIRTH_DATE_IN_FUTURE (error)', () => {
    expect(codes(cleaner('household-registration').clean(hh({ 公民身份号码: id17('44010619900230123'), 出生日期: '' })))).toContain(
      'ID_BAD_BIRTH_DATE',
    );
    expect(codes(cleaner('household-registration').clean(hh({ 公民身份号码: id17('44010620300102123'), 出生日期: '' })))).toContain(
      'ID_BIRTH_DATE_IN_FUTURE',
    );
  });

  it('BIRTH_DATE_MISMATCH (warning): the record keeps what the column says, for the registry to hold the ID date and record the anomaly', () => {
    const r = ok(cleaner('household-registration').clean(hh({ 出生日期: '1990-01-03' })));
    expect(codes(r)).toEqual(['BIRTH_DATE_MISMATCH']);
    expect(r.record.kind === 'household-registration' && r.record.birthDate).toBe('1990-01-03');
    const empty = ok(cleaner('household-registration').clean(hh({ 出生日期: '' })));
    expect(empty.record.kind === 'household-registration' && empty.record.birthDate).toBe('1990-01-02');
    const strict = cleaner('household-registration', { severity: { BIRTH_DATE_MISMATCH: 'error' } });
    expect(strict.clean(hh({ 出生日期: '1990-01-03' })).status).toBe('rejected');
  });

  it('GENDER_MISMATCH (warning): the record keeps the column, the registry holds the ID gender; 0/9 are not a mismatch and take the ID gender', () => {
    const r = ok(cleaner('household-registration').clean(hh({ 性别: '女' })));
    expect(codes(r)).toEqual(['GENDER_MISMATCH']);
    expect(r.record.kind === 'household-registration' && r.record.gender).toBe('2');
    const unstated = ok(cleaner('household-registration').clean(hh({ 性别: '9' })));
    expect(codes(unstated)).toEqual([]);
    expect(unstated.record.kind === 'household-registration' && unstated.record.gender).toBe('1');
    expect(ok(cleaner('household-registration').clean(hh({ 公民身份号码: ID_F, 性别: '2' }))).warnings).toEqual([]);
  });

  it('REGION_UNKNOWN / REGION_BAD_FORMAT (error), REGION_HISTORICAL (warning), county codes accepted', () => {
    expect(codes(cleaner('household-registration').clean(hh({ 行政区划代码: '449999' })))).toEqual(['REGION_UNKNOWN']);
    expect(codes(cleaner('household-registration').clean(hh({ 行政区划代码: '4401061' })))).toEqual(['REGION_BAD_FORMAT']);
    const hist = ok(cleaner('household-registration').clean(hh({ 行政区划代码: '440102' })));
    expect(codes(hist)).toEqual(['REGION_HISTORICAL']);
    const county = ok(cleaner('household-registration').clean(hh({ 行政区划代码: '440106' })));
    expect(county.record.kind === 'household-registration' && county.record.householdRegion).toBe('440106');
  });

  it('REGION_HELD_AT_PARENT (warning): a township not in the table under a county that is, held at the county', () => {
    const held = ok(cleaner('household-registration').clean(hh({ 行政区划代码: '440106999' })));
    expect(codes(held)).toEqual(['REGION_HELD_AT_PARENT']);
    expect(held.record.kind === 'household-registration' && held.record.householdRegion).toBe('440106');
    expect(held.warnings[0].message).not.toContain('440106999');
    // No known county above it: still unknown.
    expect(codes(cleaner('household-registration').clean(hh({ 行政区划代码: '449999001' })))).toEqual(['REGION_UNKNOWN']);
  });

  it('NAME_NORMALISED (warning): spaces, full-width spaces, dot variants; rare characters kept exactly', () => {
    const cases: [string, string][] = [
      ['王 小明', '王小明'],
      ['王\u3000小明', '王小明'],
      [' 王小明 ', '王小明'],
      ['阿依古丽•买买提', '阿依古丽·买买提'],
      ['阿依古丽 ・ 买买提', '阿依古丽·买买提'],
      ['阿依古丽．买买提', '阿依古丽·买买提'],
    ];
    for (const [raw, want] of cases) {
      const r = ok(cleaner('household-registration').clean(hh({ 姓名: raw })));
      expect(r.record.kind === 'household-registration' && r.record.name).toBe(want);
      if (raw.trim() !== want) expect(codes(r)).toEqual(['NAME_NORMALISED']);
    }
    for (const rare of ['王𬌗', '李𫖯', '𠀀𪚥', '张𬣙']) {
      const r = ok(cleaner('household-registration').clean(hh({ 姓名: rare })));
      expect(r.warnings).toEqual([]);
      expect(Buffer.from(r.record.kind === 'household-registration' ? r.record.name : '', 'utf8')).toEqual(Buffer.from(rare, 'utf8'));
    }
    // With a valid ID the name is a side column: its fault is a warning (see 'side faults' below).
    expect(ok(cleaner('household-registration').clean(hh({ 姓名: '王2明' }))).warnings).toEqual([
      expect.objectContaining({ code: 'NAME_INVALID', severity: 'warning' }),
    ]);
    expect(rejected(cleaner('household-registration').clean(hh({ 公民身份号码: '', 姓名: '王2明' }))).reasons.map((i) => i.code)).toEqual([
      'REQUIRED_FIELD_MISSING',
      'NAME_INVALID',
    ]);
  });

  it('dates: every department format, Excel serials, DATE_INVALID and DATE_IN_FUTURE (an error where the row needs the date)', () => {
    for (const raw of [
      '1990-01-02',
      '1990/1/2',
      '19900102',
      '1990年1月2日',
      '1990.01.02',
      '1990-1-2 00:00:00',
      '１９９０-０１-０２',
      '32875',
    ]) {
      expect([raw, parseDepartmentDate(raw)]).toEqual([raw, '1990-01-02']);
    }
    expect(excelSerialToIso(61)).toBe('1900-03-01');
    expect(parseDepartmentDate('9000')).toBe('1924-08-21');
    expect(parseDepartmentDate('2000')).toBeUndefined();
    for (const raw of ['1990-02-30', '1990-13-01', '02/01/1990', 'yesterday', '1990']) expect(parseDepartmentDate(raw)).toBeUndefined();
    const c = cleaner('insurance-enrollment');
    const enrol = (since: string) =>
      row({ 业务流水号: `S${++n}`, 公民身份号码: ID, 险种类型: '110', 缴费状态: '1', 参保省份: '44', 参保日期: since });
    // 参保日期 is a side field of an enrolment row: a broken one is dropped with a warning.
    expect(ok(c.clean(enrol('2019-02-29'))).warnings.map((i) => [i.code, i.severity])).toEqual([['DATE_INVALID', 'warning']]);
    expect(ok(c.clean(enrol('2025-01-01'))).warnings.map((i) => [i.code, i.severity])).toEqual([['DATE_IN_FUTURE', 'warning']]);
    const death = (date: string) => row({ 证明编号: `D${++n}`, 事件类型: '死亡', 公民身份号码: ID, 姓名: '王小明', 死亡日期: date });
    expect(rejected(cleaner('health').clean(death('2023-13-01'))).reasons.map((i) => i.code)).toEqual(['DATE_INVALID']);
    expect(ok(c.clean(enrol('2019年3月1日'))).record).toMatchObject({ since: '2019-03-01' });
  });

  it('REQUIRED_FIELD_MISSING (error): empty cell and absent column', () => {
    const r = rejected(cleaner('household-registration').clean(hh({ 姓名: '  ' })));
    expect(r.reasons).toEqual([expect.objectContaining({ code: 'REQUIRED_FIELD_MISSING', field: 'name', severity: 'error' })]);
    const noColumn = row({ 公民身份号码: ID, 性别: '男', 出生日期: '1990-01-02', 行政区划代码: '440106' });
    expect(codes(cleaner('household-registration').clean(noColumn))).toEqual(['REQUIRED_FIELD_MISSING']);
    expect(codes(cleaner('household-registration').clean(hh({ 公民身份号码: '' })))).toEqual(['REQUIRED_FIELD_MISSING']);
  });

  it('CODE_UNKNOWN (error): 险种类型 999, gender X; names and codes both accepted', () => {
    const c = cleaner('insurance-enrollment');
    const enrol = (type: string, status = '1') =>
      row({ 公民身份号码: ID, 险种类型: type, 缴费状态: status, 参保省份: '440000', 业务流水号: `S${n}` });
    expect(codes(c.clean(enrol('999')))).toEqual(['CODE_UNKNOWN']);
    expect(codes(c.clean(enrol('110', '4')))).toEqual(['CODE_UNKNOWN']);
    expect(ok(c.clean(enrol('城乡居民基本医疗保险', '暂停缴费'))).record).toMatchObject({
      insuranceType: '390',
      contributionStatus: '2',
      provinceCode: '44',
    });
    expect(codes(c.clean(row({ 公民身份号码: ID, 险种类型: '110', 缴费状态: '1', 参保省份: '99' })))).toEqual(['PROVINCE_UNKNOWN']);
    const genderX = ok(cleaner('household-registration').clean(hh({ 性别: 'X' })));
    expect(genderX.warnings.map((i) => [i.code, i.severity])).toEqual([['CODE_UNKNOWN', 'warning']]);
    expect(genderX.record.kind === 'household-registration' && genderX.record.gender).toBe('1');
    expect(codes(cleaner('household-registration').clean(hh({ 户口状态: '失踪' })))).toEqual(['CODE_UNKNOWN']);
  });

  describe('side faults: with a valid citizen ID only a field the row cannot be used without quarantines it', () => {
    const enrolment = (over: Record<string, string>) =>
      row({
        业务流水号: `S${++n}`,
        公民身份号码: ID,
        姓名: '王小明',
        性别: '男',
        出生日期: '1990-01-02',
        险种类型: '110',
        缴费状态: '1',
        参保省份: '44',
        ...over,
      });

    it('imports an enrolment whose birth date column has day and month swapped into an impossible date, with a warning', () => {
      const r = ok(cleaner('insurance-enrollment').clean(enrolment({ 出生日期: '1990-31-01' })));
      expect(r.warnings).toEqual([expect.objectContaining({ code: 'DATE_INVALID', severity: 'warning', field: 'birthDate' })]);
      expect(r.record).toMatchObject({ insuranceType: '110', birthDate: '1990-01-02' });
    });

    it('gives the same outcome when the swap happens to make a real date: imported, the disagreement a warning', () => {
      const r = ok(cleaner('insurance-enrollment').clean(enrolment({ 出生日期: '1990-02-01' })));
      expect(r.warnings.map((i) => [i.code, i.severity])).toEqual([['BIRTH_DATE_MISMATCH', 'warning']]);
    });

    it('keeps quarantining a fault in an essential field, and every fault when the ID itself is unusable', () => {
      expect(rejected(cleaner('insurance-enrollment').clean(enrolment({ 险种类型: '999' }))).reasons.map((i) => i.code)).toEqual([
        'CODE_UNKNOWN',
      ]);
      const noId = rejected(cleaner('insurance-enrollment').clean(enrolment({ 公民身份号码: ID.slice(0, 17), 出生日期: '1990-31-01' })));
      expect(noId.reasons.map((i) => i.code)).toEqual(['ID_MISSING_CHECK_CHARACTER', 'DATE_INVALID']);
      expect(rejected(cleaner('household-registration').clean(hh({ 行政区划代码: '449999' }))).reasons.map((i) => i.code)).toEqual([
        'REGION_UNKNOWN',
      ]);
    });

    it('leaves the severity overrides in charge: a province can make a side fault quarantine again', () => {
      const strict = cleaner('insurance-enrollment', { severity: { BIRTH_DATE_MISMATCH: 'error' } });
      expect(strict.clean(enrolment({ 出生日期: '1990-02-01' })).status).toBe('rejected');
    });
  });

  it('DUPLICATE_ROW (error): the later of two rows with the same normalised content', () => {
    const c = cleaner('household-registration');
    expect(c.clean(hh()).status).toBe('ok');
    const again = rejected(c.clean(hh({ 出生日期: '19900102', 姓名: '王 小明' })));
    expect(again.reasons.map((i) => i.code)).toEqual(['DUPLICATE_ROW']);
    expect(c.clean(hh({ 户籍地址: '别处' })).status).toBe('ok');
    expect(c.stats()).toMatchObject({ rows: 3, ok: 2, rejected: 1 });
    expect(cleaner('household-registration', { dedupe: false }).clean(hh()).status).toBe('ok');
  });

  it('PHONE_INVALID (warning): the phone is dropped, the row kept', () => {
    const r = ok(cleaner('household-registration').clean(hh({ 联系电话: '12345' })));
    expect(codes(r)).toEqual(['PHONE_INVALID']);
    expect(r.record).not.toHaveProperty('phone');
  });

  it('ROW_COLUMN_COUNT / ROW_MALFORMED (error) from the reader', () => {
    const r = cleaner('household-registration').clean(
      hh({}, { problems: [{ code: 'ROW_COLUMN_COUNT', message: 'row has 5 columns, header has 6' }] }),
    );
    expect(codes(r)).toEqual(['ROW_COLUMN_COUNT']);
    const m = cleaner('household-registration').clean(row({}, { problems: [{ code: 'ROW_MALFORMED', message: 'x' }] }));
    expect(codes(m)).toContain('ROW_MALFORMED');
  });

  it('builds records of the other kinds, with event-dependent requirements', () => {
    expect(ok(cleaner('card-library').clean(row({ 公民身份号码: ID, 姓名: '王小明', 发卡地区: '440106', 卡号: 'K1' }))).record).toEqual({
      kind: 'card-library',
      sourceRecordId: 'K1',
      citizenId: ID,
      name: '王小明',
      gender: '1',
      birthDate: '1990-01-02',
      region: '440106',
    });
    const health = cleaner('health');
    expect(ok(health.clean(row({ 事件类型: '出生', 姓名: '王宝宝', 性别: '女', 出生日期: '2024/5/1', 证明编号: 'B1' }))).record).toEqual({
      kind: 'health',
      sourceRecordId: 'B1',
      event: 'birth',
      name: '王宝宝',
      gender: '2',
      birthDate: '2024-05-01',
    });
    expect(codes(health.clean(row({ 事件类型: '死亡', 姓名: '王小明', 证明编号: 'D1' })))).toEqual([
      'REQUIRED_FIELD_MISSING',
      'REQUIRED_FIELD_MISSING',
    ]);
    expect(codes(health.clean(row({ 事件类型: '死亡', 公民身份号码: ID, 姓名: '王小明', 死亡日期: '1980-01-01' })))).toEqual([
      'DATE_ORDER',
    ]);
    const civil = cleaner('civil-affairs');
    expect(ok(civil.clean(row({ 事项: '低保', 公民身份号码: ID, 低保开始日期: '20200101', 业务编号: 'M1' }))).record).toEqual({
      kind: 'civil-affairs',
      sourceRecordId: 'M1',
      event: 'minimum-living-allowance',
      citizenId: ID,
      since: '2020-01-01',
    });
    expect(codes(civil.clean(row({ 事项: '火化', 公民身份号码: ID })))).toEqual(['REQUIRED_FIELD_MISSING']);
    expect(
      ok(cleaner('disability').clean(row({ 公民身份号码: ID, 残疾证号: `${ID}42`, 残疾等级: '二级', 发证日期: '2015-06-01' }))).record,
    ).toMatchObject({
      kind: 'disability',
      certificateNo: `${ID}42`,
      grade: '2',
      since: '2015-06-01',
    });
  });

  it('never puts a personal value into a message', () => {
    const personal = [ID, '王小明', '13800138000', '天河路1号', '1990-01-03', '440106900102123'];
    const c = cleaner('household-registration');
    const results = [
      c.clean(hh({ 公民身份号码: ID.slice(0, 17) + 'X', 联系电话: '1380013800' })),
      c.clean(hh({ 公民身份号码: "'440106900102123", 出生日期: '1990-01-03', 性别: '女', 姓名: '王 小明' })),
      c.clean(hh({ 出生日期: 'not a date 天河路1号' })),
      c.clean(hh({ 姓名: '王小明1' })),
    ];
    for (const r of results) {
      for (const i of r.status === 'ok' ? r.warnings : [...r.reasons, ...r.warnings]) {
        for (const p of personal) expect(i.message).not.toContain(p);
      }
    }
  });

  it('documents every issue code with a severity', () => {
    for (const code of ALL_ISSUE_CODES) expect(['error', 'warning']).toContain(ISSUE_CODES[code].severity);
  });
});

describe('fast paths agree with the full rules', () => {
  it('a plain Han name is one every step of the domain name normalisation leaves alone', () => {
    // Pins isPlainHanName's premise against the domain rule and this Node's Unicode data.
    for (let c = 0x4e00; c <= 0x9fa5; c++) {
      const ch = String.fromCharCode(c);
      for (const name of [ch, `${ch}·${ch}`, `·${ch}··`]) {
        if (!isPlainHanName(name)) throw new Error(`U+${c.toString(16)} not plain`);
        if (normalisePersonName(name) !== name || !/\p{L}/u.test(ch) || /\p{Nd}/u.test(ch)) throw new Error(`U+${c.toString(16)} changes`);
      }
    }
    for (const name of ['', '·', '王 小明', '王\u3000明', '王小明1', '王𬌗', 'John', '王•明', '\uF900', '〇'])
      expect([name, isPlainHanName(name)]).toEqual([name, false]);
    expect(nameRule('阿依古丽·买买提')).toEqual({ ok: true, value: '阿依古丽·买买提', warnings: [] });
  });

  it('a bare mobile number is kept as typed; other spellings still go through the full rule', () => {
    expect(phoneRule('13800138000')).toEqual({ ok: true, value: '13800138000', warnings: [] });
    expect(phoneRule(' 008613800138000 ')).toEqual({ ok: true, value: '13800138000', warnings: [] });
    expect(phoneRule('12800138000')).toMatchObject({ ok: true, value: undefined, warnings: [{ code: 'PHONE_INVALID' }] });
  });

  it('dates in the common shapes read by character match the general patterns', () => {
    const cases: [string, string | undefined][] = [
      ['1990-01-02', '1990-01-02'],
      ['19900102', '1990-01-02'],
      ['１９９００１０２', '1990-01-02'],
      [' 2000-02-29 ', '2000-02-29'],
      ['1900-02-29', undefined],
      ['19000229', undefined],
      ['1849-12-31', undefined],
      ['18500101', '1850-01-01'],
      ['1990-00-10', undefined],
      ['1990-1a-02', undefined],
      ['199001x2', undefined],
      ['1990-01-2x', undefined],
      ['1990-01-2 ', '1990-01-02'],
      ['12345678', undefined],
    ];
    for (const [raw, want] of cases) expect([raw, parseDepartmentDate(raw)]).toEqual([raw, want]);
  });
});

describe('RememberedRule', () => {
  const counting = () => {
    const seen: string[] = [];
    const rule = (cell: string): RuleResult<string> => {
      seen.push(cell);
      return { ok: true, value: cell.toUpperCase(), warnings: [] };
    };
    return { seen, rule };
  };

  it('asks the rule again unless the cell repeats the one above', () => {
    const { seen, rule } = counting();
    const r = new RememberedRule(rule);
    const first = r.check('a');
    expect(r.check('a')).toBe(first);
    r.check('b');
    expect(r.check('a')).toEqual(first);
    expect(seen).toEqual(['a', 'b', 'a']);
  });

  it('remembers every cell of a few-valued field', () => {
    const { seen, rule } = counting();
    const r = new RememberedRule(rule, { fewValues: true });
    for (const cell of ['a', 'b', 'a', 'c', 'b', 'a']) r.check(cell);
    expect(seen).toEqual(['a', 'b', 'c']);
  });
});

describe('cleaner internals that must not show', () => {
  it('rows of different header sets, interleaved, clean as each would alone', () => {
    const full = () => hh();
    const renamed = () =>
      row({ 身份证号: ID, 姓名: '王小明', 性别: '女', 出生日期: '1990-01-02', 户籍地行政区划: '449999', 住址: '天河路1号' });
    const shared = cleaner('household-registration', { dedupe: false });
    for (const make of [full, renamed, full, renamed]) {
      const alone = cleaner('household-registration', { dedupe: false }).clean(make());
      expect({ ...shared.clean(make()), rowNumber: 0 }).toEqual({ ...alone, rowNumber: 0 });
    }
    const r = rejected(shared.clean(renamed()));
    expect(r.reasons[0].message).toContain('householdRegion (户籍地行政区划)');
    expect(r.warnings[0].message).toContain('gender (性别)');
  });

  it('builds records with their fields in a fixed order, absent optionals left out', () => {
    const r = ok(cleaner('household-registration').clean(hh({ 户口状态: '死亡注销', 联系电话: '13800138000', 记录编号: 'R1' })));
    expect(Object.keys(r.record)).toEqual([
      'kind',
      'sourceRecordId',
      'citizenId',
      'name',
      'gender',
      'birthDate',
      'householdRegion',
      'householdAddress',
      'householdStatus',
      'cancellationReason',
      'phone',
    ]);
    const bare = ok(cleaner('household-registration').clean(row({ 公民身份号码: ID, 姓名: '王小明', 行政区划代码: '440106' })));
    expect(Object.keys(bare.record)).toEqual([
      'kind',
      'sourceRecordId',
      'citizenId',
      'name',
      'gender',
      'birthDate',
      'householdRegion',
      'householdStatus',
    ]);
    expect(bare.record).toMatchObject({ householdStatus: 'active' });
  });

  it('derives the record id from the SHA-1 of the normalised fields, as stored ids were', () => {
    const r = ok(cleaner('household-registration').clean(hh()));
    // JSON of the values in field-spec order, absent ones null.
    const json = JSON.stringify([ID, '王小明', '1', '1990-01-02', '440106001', '天河路1号', null, null, null]);
    expect(r.record.sourceRecordId).toBe(`h${createHash('sha1').update(json).digest('hex').slice(0, 20)}`);
  });
});

describe('the source kind a cleaner is given', () => {
  it('may be a copy read back from a store: the cleaner works with the module constant and applies that kind’s own rules', () => {
    const stored = JSON.parse(JSON.stringify({ source: ['household', 'registration'].join('-') })).source as 'household-registration';
    const c = createCleaner(stored, loadMapping('household-registration'), { regions, today });
    expect(c.kind).toBe('household-registration');
    expect(ok(c.clean(hh())).record.kind).toBe('household-registration');
    // The household rule: gender is required (from the column or the ID); a bad ID leaves neither.
    const badCheck = ID.slice(0, 17) + (ID[17] === '0' ? '1' : '0');
    expect(codes(rejected(c.clean(hh({ 公民身份号码: badCheck, 性别: '', 出生日期: '' }))))).toEqual(
      expect.arrayContaining(['ID_BAD_CHECK_CHARACTER', 'REQUIRED_FIELD_MISSING']),
    );
    // Enough rows for the row path to be optimised, still the same kind and rules.
    const han = (k: number) => String.fromCharCode(0x4e00 + k);
    for (let i = 0; i < 5000; i++)
      expect(ok(c.clean(hh({ 姓名: `王${han(i % 100)}${han(100 + Math.floor(i / 100))}` }, { rowNumber: i }))).record.kind).toBe(
        'household-registration',
      );
    expect(c.stats().rows).toBe(5002);
  });

  it('must be a source kind', () => {
    expect(() => createCleaner('household' as never, loadMapping('household-registration'), { regions, today })).toThrow(
      /not a source kind: "household"; kinds are household-registration, /,
    );
  });
});
