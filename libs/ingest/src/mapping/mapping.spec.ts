import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { INGEST_SOURCE_KINDS } from '../source-kinds';
import { loadMapping, MappingError, parseMapping } from './mapping';
import { resolveHeaders } from './resolve-headers';

describe('loadMapping', () => {
  it.each(INGEST_SOURCE_KINDS)('loads the shipped %s mapping', (kind) => {
    const m = loadMapping(kind);
    expect(m.kind).toBe(kind);
    expect(m.file).toMatch(new RegExp(`libs/ingest/mappings/${kind}\\.json$`));
  });

  it('accepts the household aliases the brief lists', () => {
    const m = loadMapping('household-registration');
    expect(m.fields.citizenId.headers).toEqual(expect.arrayContaining(['公民身份号码', '身份证号', '身份证号码', '证件号码']));
    expect(m.fields.gender.values?.get('男')).toBe('1');
    expect(m.fields.householdStatus.values?.get('死亡注销')).toBe('cancelled:death');
    expect(m.fields.phone.required).toBe(false);
  });

  const bad = (doc: unknown) => () => parseMapping(doc, 'test.json', 'household-registration');
  const base = () => JSON.parse(JSON.stringify({ kind: 'household-registration', fields: loadMappingDoc() }));
  function loadMappingDoc(): Record<string, unknown> {
    const m = loadMapping('household-registration');
    return Object.fromEntries(
      Object.values(m.fields).map((f) => [
        f.field,
        { headers: f.headers, required: f.required, ...(f.values ? { values: Object.fromEntries(f.values) } : {}) },
      ]),
    );
  }

  it('names the file and the bad key', () => {
    const unknownField = base();
    unknownField.fields.shoeSize = { headers: ['鞋码'] };
    expect(bad(unknownField)).toThrow(/test\.json \[fields\.shoeSize\]: unknown field/);

    const badValue = base();
    badValue.fields.gender.values['男'] = 'M';
    expect(bad(badValue)).toThrow(/\[fields\.gender\.values\.男\]: must map to one of 0, 1, 2, 9/);

    const optionalId = base();
    optionalId.fields.citizenId.required = false;
    expect(bad(optionalId)).toThrow(/\[fields\.citizenId\.required\]/);

    const noHeaders = base();
    noHeaders.fields.name.headers = [];
    expect(bad(noHeaders)).toThrow(/\[fields\.name\.headers\]/);

    const shared = base();
    shared.fields.name.headers = ['姓名', '身份证号'];
    expect(bad(shared)).toThrow(/also listed for field 'citizenId'/);

    const wrongKind = base();
    wrongKind.kind = 'health';
    expect(bad(wrongKind)).toThrow(/\[kind\]: is 'health'/);

    const missing = base();
    delete missing.fields.citizenId;
    expect(bad(missing)).toThrow(MappingError);
  });

  it('reports an unreadable file with its path', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mapping-'));
    writeFileSync(join(dir, 'health.json'), '{ not json');
    expect(() => loadMapping('health', { dir })).toThrow(/health\.json/);
    try {
      loadMapping('health', { dir });
    } catch (e) {
      expect((e as MappingError).code).toBe('MAPPING_FILE_UNREADABLE');
    }
  });
});

describe('resolveHeaders', () => {
  const m = loadMapping('household-registration');

  it('maps aliases, ignoring BOM, spaces and case, and lists unmapped columns', () => {
    const r = resolveHeaders(m, ['\uFEFF身份证号码', ' 姓 名 ', '性别', '出生日期', '行政区划代码', '备注']);
    expect(r.ok).toBe(true);
    expect(r.columns).toMatchObject({ citizenId: '\uFEFF身份证号码', name: ' 姓 名 ', householdRegion: '行政区划代码' });
    expect(r.unmappedHeaders).toEqual(['备注']);
  });

  it('reports MAPPING_MISSING_COLUMN naming the column', () => {
    const r = resolveHeaders(m, ['姓名', '性别', '出生日期', '行政区划代码']);
    expect(r.ok).toBe(false);
    expect(r.errors).toEqual([
      expect.objectContaining({ code: 'MAPPING_MISSING_COLUMN', field: 'citizenId', message: expect.stringContaining('公民身份号码') }),
    ]);
  });

  it('reports two columns claiming one field', () => {
    const r = resolveHeaders(m, ['公民身份号码', '身份证号', '姓名', '性别', '出生日期', '行政区划代码']);
    expect(r.errors[0]).toMatchObject({ code: 'MAPPING_AMBIGUOUS_COLUMN', field: 'citizenId' });
  });
});
