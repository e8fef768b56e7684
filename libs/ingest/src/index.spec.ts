import * as ingest from '@registry/ingest';

describe('@registry/ingest public API', () => {
  it('exports the entry points through the path alias', () => {
    for (const name of [
      'openRecords',
      'countRows',
      'loadMapping',
      'parseMapping',
      'resolveHeaders',
      'createCleaner',
      'generateProvince',
      'parseDepartmentDate',
    ]) {
      expect([name, typeof (ingest as Record<string, unknown>)[name]]).toEqual([name, 'function']);
    }
    expect(ingest.INGEST_SOURCE_KINDS).toHaveLength(6);
    expect(ingest.ISSUE_CODES.DUPLICATE_ROW.severity).toBe('error');
  });
});
