/**
 * `npm run bench:console [-- --persons N]` (default 100,000): how long the console's pages
 * take to load in headless Chromium against the service with a generated province imported
 * (household file, then enrolment file), served over HTTP on this machine.
 *
 * For each page: the time from navigation to its content on screen (the page's own selector:
 * a chart drawn, a table with rows), on a cold load (a new browser context: nothing cached,
 * every script and stylesheet fetched) and on a warm one (the same context again: hashed
 * assets from the cache, index.html and the API calls fetched), median and worst of `--runs`
 * (default 5); and the duration of the page's main API call as the browser measured it.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { generateProvince } from '@registry/ingest';
import { personsWanted } from './bench-args';
import { AccountsService } from '../apps/registry/src/auth/accounts/accounts.service';
import { Principal, regionPrefixOf } from '../apps/registry/src/auth/principal';
import { createApp } from '../apps/registry/src/bootstrap';
import { ImportService } from '../apps/registry/src/imports/import.service';
import { ProjectionsService } from '../apps/registry/src/projections/projections.service';
import { CoverageService } from '../apps/registry/src/reports/coverage.service';

const int = (n: number) => Math.round(n).toLocaleString('en-US');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const PASSWORD = 'Bench-password-2024';

interface PageCase {
  name: string;
  path: string;
  /** Shown when the page's content is on screen. */
  ready: string;
  /** The page's main API call (a path prefix), whose duration is reported beside the load. */
  api: string;
}

function runsWanted(): number {
  const i = process.argv.indexOf('--runs');
  const n = i >= 0 ? Number(process.argv[i + 1]) : 5;
  if (!Number.isInteger(n) || n <= 0) throw new Error('--runs must be a positive whole number');
  return n;
}

async function main(): Promise<void> {
  const persons = personsWanted(100_000);
  const runs = runsWanted();
  const dir = mkdtempSync(join(tmpdir(), 'registry-console-bench-'));
  const dataDir = join(dir, 'data');
  mkdirSync(dataDir, { recursive: true });
  Object.assign(process.env, { DATA_DIR: dataDir, LOG_FILE: join(dir, 'service.log'), LOG_LEVEL: 'warn', LOOKUP_RATE_LIMIT: '100000' });
  process.stdout.write(
    `registry console bench — ${int(persons)} persons, ${cpus().length} cores, node ${process.version}, ${runs} runs per page, files in ${dir}\n\n`,
  );
  const app = await createApp();
  let browser: Browser | undefined;
  try {
    await app.listen(0, '127.0.0.1');
    const base = (await app.getUrl()).replace('[::1]', '127.0.0.1');
    const manifest = await generateProvince({ persons, seed: 'bench', outDir: join(dir, 'province') });
    const imports = app.get(ImportService);
    const projections = app.get(ProjectionsService);
    const admin = new Principal('bench', ['province-admin'], '44');
    for (const source of ['household-registration', 'insurance-enrollment'] as const) {
      const entry = manifest.files.find((f) => f.kind === source)!;
      const started = performance.now();
      const submitted = await imports.submit({
        source,
        filePath: join(dir, 'province', entry.file),
        fileName: entry.file,
        caller: admin,
        channel: 'cli',
      });
      const job = await imports.waitFor(submitted._id);
      await projections.waitUntilCaughtUp(undefined, 6 * 3_600_000);
      process.stdout.write(`${source}: ${int(job.counts.read)} rows imported in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
    }
    await app
      .get(AccountsService)
      .create(
        { operator: 'bench', role: 'province-admin', region: '440000', channel: 'cli' },
        'bench',
        ['province-admin'],
        '440000',
        PASSWORD,
      );

    // The largest city and county, and the county's township with the most uninsured: the heaviest drill-down and worklist.
    const coverage = app.get(CoverageService);
    const largest = async (region: string, by = 'householdPopulation') => {
      const report = await coverage.report(admin, regionPrefixOf(region));
      const child = report.rows.filter((r) => r.kind === 'child').sort((a, b) => (b.values[by] ?? 0) - (a.values[by] ?? 0))[0];
      return { code: child.region!, population: child.values.householdPopulation ?? 0, uninsured: child.values.uninsured ?? 0 };
    };
    const city = await largest('44');
    const county = await largest(city.code);
    const township = await largest(county.code, 'uninsured');
    process.stdout.write(
      `the largest city ${city.code} (${int(city.population)}), county ${county.code} (${int(county.population)}), township ${township.code} (${int(township.population)}, ${int(township.uninsured)} uninsured)\n\n`,
    );

    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-dev-shm-usage',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--disable-quic',
        '--no-first-run',
      ],
    });
    // One sign-in: its session is put into every context, as a signed-in tab would hold it.
    const session = await (
      await fetch(`${base}/v1/sessions`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ username: 'bench', password: PASSWORD }),
      })
    ).text();

    const personId = await firstPerson(base, JSON.parse(session).token, township.code);
    const cases: PageCase[] = [
      { name: 'sign-in page', path: '/console/login', ready: '[data-test=login-submit]', api: '/v1/sessions/options' },
      { name: 'coverage, province', path: '/console/dashboard', ready: '[data-test=chart] canvas', api: '/v1/reports/coverage' },
      {
        name: `coverage, county ${county.code}`,
        path: `/console/dashboard?region=${county.code}`,
        ready: '[data-test=chart] canvas',
        api: '/v1/reports/coverage',
      },
      {
        name: `worklist, township ${township.code}`,
        path: `/console/worklist?region=${township.code}`,
        ready: '[data-test=worklist-table] .el-table__row',
        api: '/v1/survey-worklists',
      },
      { name: 'persons list', path: '/console/persons', ready: '[data-test=persons-table] .el-table__row', api: '/v1/persons' },
      {
        name: "a person's page",
        path: `/console/persons/${personId}`,
        ready: '[data-test=timeline] .el-timeline-item',
        api: `/v1/persons/${personId}/history`,
      },
      { name: 'imports', path: '/console/imports', ready: '[data-test=import-start]', api: '' },
      { name: 'link reviews', path: '/console/reviews', ready: '.el-empty, [data-test=review]', api: '/v1/link-reviews' },
      {
        name: 'data quality',
        path: '/console/quality',
        ready: '[data-test=quality-table] .el-table__row',
        api: '/v1/reports/data-quality',
      },
      { name: 'audit', path: '/console/audit', ready: '[data-test=audit-table] .el-table__row', api: '/v1/audit/entries' },
    ];

    process.stdout.write(
      `${'page'.padEnd(34)} ${'cold median'.padStart(11)} ${'cold max'.padStart(9)} ${'warm median'.padStart(11)} ${'warm max'.padStart(9)} ${'API median'.padStart(10)} ${'first load'.padStart(11)}\n`,
    );
    for (const c of cases) {
      const cold: number[] = [];
      const warm: number[] = [];
      const api: number[] = [];
      let bytes = 0;
      for (let i = 0; i < runs; i++) {
        const context = await signedInContext(browser, session);
        const page = await context.newPage();
        const first = await load(page, base, c);
        cold.push(first.ms);
        bytes = first.bytes;
        const again = await load(page, base, c);
        warm.push(again.ms);
        if (again.apiMs !== undefined) api.push(again.apiMs);
        await context.close();
      }
      process.stdout.write(
        `${c.name.padEnd(34)} ${ms(median(cold)).padStart(11)} ${ms(Math.max(...cold)).padStart(9)} ${ms(median(warm)).padStart(11)} ${ms(Math.max(...warm)).padStart(9)} ${(api.length ? ms(median(api)) : '—').padStart(10)} ${`${int(bytes / 1024)} KiB`.padStart(11)}\n`,
      );
    }
    process.stdout.write(
      '\ncold: new context, nothing cached; warm: the same page loaded again (assets from the cache). first load: bytes the cold load transferred (uncompressed).\n',
    );
  } finally {
    await browser?.close();
    await app.close();
    if (!process.argv.includes('--keep')) rmSync(dir, { recursive: true, force: true });
  }
}

async function firstPerson(base: string, token: string, township: string): Promise<string> {
  const res = await fetch(`${base}/v1/survey-worklists?region=${township}`, { headers: { Authorization: `Bearer ${token}` } });
  const body = (await res.json()) as { items: Array<{ personId: string }> };
  if (!body.items[0]) throw new Error(`no uninsured person in ${township}`);
  return body.items[0].personId;
}

async function signedInContext(browser: Browser, session: string): Promise<BrowserContext> {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'zh-CN' });
  await context.addInitScript(
    ({ value }) => {
      const storage = (globalThis as unknown as { sessionStorage: { setItem(k: string, v: string): void } }).sessionStorage;
      storage.setItem('registry.console.session', value);
    },
    { value: JSON.stringify({ ...JSON.parse(session), method: 'password' }) },
  );
  return context;
}

async function load(page: Page, base: string, c: PageCase): Promise<{ ms: number; bytes: number; apiMs?: number }> {
  let bytes = 0;
  const count = (response: import('playwright-core').Response) => {
    void response
      .body()
      .then((b) => (bytes += b.length))
      .catch(() => undefined);
  };
  page.on('response', count);
  const started = performance.now();
  await page.goto(`${base}${c.path}`, { waitUntil: 'commit' });
  await page.locator(c.ready).first().waitFor({ timeout: 120_000 });
  const elapsed = performance.now() - started;
  page.off('response', count);
  const apiMs = c.api
    ? await page.evaluate((prefix) => {
        const entries = (
          globalThis as unknown as { performance: { getEntriesByType(t: string): Array<{ name: string; duration: number }> } }
        ).performance.getEntriesByType('resource');
        const hit = entries.filter((e) => new URL(e.name).pathname.startsWith(prefix)).pop();
        return hit?.duration;
      }, c.api)
    : undefined;
  return { ms: elapsed, bytes, apiMs };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function ms(value: number): string {
  return `${Math.round(value)} ms`;
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
