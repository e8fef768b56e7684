import { execFileSync } from 'node:child_process';
import { applyHeapGrowth, importBatchRows, loadConfig } from './app-config';

describe('bulk-load settings', () => {
  it('default to the measured values', () => {
    const config = loadConfig({});
    expect(config.IMPORT_BATCH_ROWS).toBeUndefined();
    expect(importBatchRows(config, true)).toBe(8000);
    expect(importBatchRows(config, false)).toBe(200);
    expect(config.PROJECTION_BATCH_EVENTS).toBe(24000);
    expect(config.CLI_IMPORT_NICE).toBe(19);
    expect(config.IMPORT_PROGRESS_INTERVAL_MS).toBe(1000);
  });

  it('read numbers from the environment', () => {
    const config = loadConfig({
      PROJECTION_BATCH_EVENTS: '4000',
      IMPORT_BATCH_ROWS: '500',
      CLI_IMPORT_NICE: '0',
      IMPORT_PROGRESS_INTERVAL_MS: '0',
    });
    expect([config.PROJECTION_BATCH_EVENTS, config.IMPORT_BATCH_ROWS, config.CLI_IMPORT_NICE, config.IMPORT_PROGRESS_INTERVAL_MS]).toEqual([
      4000, 500, 0, 0,
    ]);
    expect([importBatchRows(config, true), importBatchRows(config, false)]).toEqual([500, 500]);
  });

  it.each([
    ['PROJECTION_BATCH_EVENTS', '99'],
    ['PROJECTION_BATCH_EVENTS', '100001'],
    ['PROJECTION_BATCH_EVENTS', 'lots'],
    ['IMPORT_BATCH_ROWS', '0'],
    ['CLI_IMPORT_NICE', '20'],
  ])('refuse %s=%s, naming the setting', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(new RegExp(name));
  });
});

describe('heap growth (HEAP_GROWING_PERCENT)', () => {
  it('defaults to 100 and sets the V8 flag of that name; 0 leaves V8 alone', () => {
    const set: string[] = [];
    applyHeapGrowth(loadConfig({}), (flags) => set.push(flags));
    applyHeapGrowth(loadConfig({ HEAP_GROWING_PERCENT: '120' }), (flags) => set.push(flags));
    applyHeapGrowth(loadConfig({ HEAP_GROWING_PERCENT: '0' }), (flags) => set.push(flags));
    expect(set).toEqual(['--heap-growing-percent=100', '--heap-growing-percent=120']);
  });

  it('names a flag the V8 of this Node knows (V8 ignores an unknown one without a word)', () => {
    const options = execFileSync(process.execPath, ['--v8-options'], { encoding: 'utf8' });
    expect(options).toMatch(/^\s*--heap-growing-percent\b/m);
  });

  it.each(['-1', '401', 'half'])('refuses %s, naming the setting', (value) => {
    expect(() => loadConfig({ HEAP_GROWING_PERCENT: value })).toThrow(/HEAP_GROWING_PERCENT/);
  });
});

describe('store selection', () => {
  it('takes a PostgreSQL URL and schema for the event store', () => {
    const config = loadConfig({ POSTGRES_URL: 'postgresql://registry@db:5432/registry', POSTGRES_SCHEMA: 'events' });
    expect([config.POSTGRES_URL, config.POSTGRES_SCHEMA]).toEqual(['postgresql://registry@db:5432/registry', 'events']);
    expect(loadConfig({}).POSTGRES_SCHEMA).toBe('public');
  });

  it.each([
    ['POSTGRES_URL', 'mysql://db/registry'],
    ['POSTGRES_SCHEMA', 'Events; DROP'],
  ])('refuses %s=%s, naming the setting', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(new RegExp(name));
  });

  it('group commit of the embedded event store: on by default, off on request, anything else refused', () => {
    expect(loadConfig({}).SQLITE_GROUP_COMMIT).toBe('on');
    expect(loadConfig({ SQLITE_GROUP_COMMIT: 'off' }).SQLITE_GROUP_COMMIT).toBe('off');
    expect(() => loadConfig({ SQLITE_GROUP_COMMIT: 'maybe' })).toThrow(/SQLITE_GROUP_COMMIT must be on or off/);
  });

  it('refuses two event stores at once', () => {
    expect(() => loadConfig({ POSTGRES_URL: 'postgres://db/registry', EVENTSTORE_CONNECTION_STRING: 'esdb://db:2113?tls=false' })).toThrow(
      /POSTGRES_URL and EVENTSTORE_CONNECTION_STRING both select an event store/,
    );
  });
});

describe('sign-in settings', () => {
  it('default to a working-day session and no identity provider', () => {
    const config = loadConfig({});
    expect(config.SESSION_LIFETIME_MINUTES).toBe(480);
    expect(config.OIDC_ISSUER).toBeUndefined();
    expect([config.OIDC_ROLES_CLAIM, config.OIDC_REGION_CLAIM, config.OIDC_ALGORITHMS]).toEqual(['roles', 'region', 'RS256']);
  });

  it.each([
    [{ SESSION_LIFETIME_MINUTES: '1' }, /SESSION_LIFETIME_MINUTES/],
    [{ OIDC_ISSUER: 'idp.example.gov.cn' }, /OIDC_ISSUER/],
    [{ OIDC_ISSUER: 'https://idp.example.gov.cn', JWT_ISSUER: 'https://idp.example.gov.cn' }, /OIDC_ISSUER must differ/],
    [{ OIDC_ROLE_MAP: 'idp-staff:superuser' }, /OIDC_ROLE_MAP/],
    [{ OIDC_ALGORITHMS: 'HS256' }, /OIDC_ALGORITHMS/],
  ])('refuse %j, naming the setting', (env, message) => {
    expect(() => loadConfig(env)).toThrow(message);
  });
});
