/**
 * The operator console in a real browser (Debian's Chromium, driven by playwright-core): an
 * account created with the CLI signs in, uploads department files and watches them finish,
 * sees the coverage dashboard change and drills down to a township, works the township's
 * list, opens a person (timeline, conflicts, as-of, unmasking with a reason), resolves a
 * link review, reads data quality and the audit trail; the session expires and the console
 * signs out. Every page is checked with axe-core and photographed under test-results/console.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { AccountsService } from '../apps/registry/src/auth/accounts/accounts.service';
import { TokenService } from '../apps/registry/src/auth/token.service';
import { seedReview } from './support/access-fixtures';
import { TestApp, bearer, startApp } from './support/app';
import { axeViolations, describeInBrowser, settled, ensurePagesBuilt, launchChromium, newContext, screenshot } from './support/browser';
import { PLACES, newCitizen, TestCitizen } from './support/citizens';
import { ensureBuilt, runCli } from './support/imports-cli';
import { HOUSEHOLD_HEADER, householdRow, writeCsv } from './support/imports-files';
import { TestProvider } from './support/oidc-provider';

/** The first day's events are recorded on this (past) day, so as-of views have a past to show. */
const FIRST_DAY = '2024-05-01';

const ENROLLMENT_HEADER = ['业务流水号', '公民身份号码', '姓名', '险种类型', '缴费状态', '参保省份', '参保日期'];

interface Resident {
  citizen: TestCitizen;
  name: string;
  township: string;
}

describeInBrowser('console in Chromium', () => {
  let t: TestApp;
  let base: string;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let password: string;
  let clock = new Date(`${FIRST_DAY}T02:00:00Z`);
  const files = mkdtempSync(join(tmpdir(), 'console-files-'));
  const residents: Resident[] = [];
  const accessibility: Record<string, string[]> = {};

  /** Checks the page with axe and photographs it; violations are collected and asserted at the end of each test. */
  async function look(name: string): Promise<void> {
    await page.waitForLoadState('networkidle');
    await settled(page);
    const violations = await axeViolations(page);
    accessibility[name] = violations.map((v) => `${v.impact} ${v.id}: ${v.help} — ${v.nodes.join(', ')}`);
    await screenshot(page, name);
    expect(accessibility[name]).toEqual([]);
  }

  beforeAll(async () => {
    ensureBuilt();
    ensurePagesBuilt();
    t = await startApp({ SESSION_LIFETIME_MINUTES: '60' }, { clock: () => clock });
    await t.app.listen(0, '127.0.0.1');
    base = (await t.app.getUrl()).replace('[::1]', '127.0.0.1');
    // The README's way: the CLI creates the first account and prints its password.
    const created = await runCli(['account', 'create', '--username', 'admin', '--role', 'province-admin', '--region', '440000'], t.dataDir);
    password = /initial password: (\S+)/.exec(created.stdout)![1];

    for (let i = 0; i < 12; i++) {
      const township = i < 8 ? PLACES.nanshan.township : PLACES.tianhe.township;
      const county = i < 8 ? PLACES.nanshan.county : PLACES.tianhe.county;
      residents.push({ citizen: newCitizen(county, i % 2 ? '2' : '1'), name: `居民${'甲乙丙丁戊己庚辛壬癸子丑'[i]}`, township });
    }
    browser = await launchChromium();
    context = await newContext(browser);
    page = await context.newPage();
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('sends a signed-out visitor to the sign-in page, refuses a wrong password and signs in with the CLI-made account', async () => {
    await page.goto(`${base}/console/dashboard`);
    await page.waitForURL(/\/console\/login/);
    await look('01-login');

    await page.fill('#username', 'admin');
    await page.fill('#password', 'not-the-password');
    await page.click('[data-test=login-submit]');
    await expect(page.locator('[data-test=login-error]').textContent()).resolves.toContain('用户名或密码不正确');

    await page.fill('#password', password);
    await page.click('[data-test=login-submit]');
    await page.waitForURL(/\/console\/dashboard/);
    await expect(page.locator('[data-test=who]').textContent()).resolves.toBe('admin');
    await look('02-dashboard-empty');
  });

  it('uploads a household file and watches the import finish; the rejections download names the bad row', async () => {
    const path = join(files, '户籍-第一批.csv');
    const rows = residents.map((r, i) => householdRow({ recordId: `HR${i}`, citizen: r.citizen, name: r.name, region: r.township }));
    rows.push(
      householdRow(
        { recordId: 'HR-BAD', citizen: newCitizen(PLACES.nanshan.county), name: '缺证号', region: PLACES.nanshan.township },
        { 公民身份号码: '' },
      ),
    );
    writeCsv(path, HOUSEHOLD_HEADER, rows, 'gb18030');

    await page.click('text=数据导入');
    await page.waitForURL(/\/console\/imports/);
    await page.setInputFiles('[data-test=import-file]', path);
    await page.click('[data-test=import-start]');
    await page.locator('[data-test=import-state]', { hasText: '已完成' }).waitFor({ timeout: 30_000 });
    const progress = await page.locator('[data-test=import-progress]').innerText();
    expect(progress).toContain('13'); // rows read
    await expect(page.locator('[data-test=import-reconciled]').isVisible()).resolves.toBe(true);
    await look('03-import-finished');

    const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-test=rejections]')]);
    const csv = readFileSync((await download.path())!, 'utf8');
    expect(csv).toContain('REQUIRED_FIELD_MISSING');
    expect(csv).toContain('缺证号');
  });

  it('shows the coverage chart by region and drills down from the province to a township', async () => {
    await t.caughtUp();
    await page.click('text=参保情况');
    await page.waitForURL(/\/console\/dashboard/);
    await page.locator('[data-test=chart] canvas').first().waitFor();
    const table = await page.locator('[data-test=coverage-table]').innerText();
    expect(table).toContain('深圳市');
    expect(table).toContain('广州市');
    // Household population of the province: the 12 registered residents.
    await expect(page.locator('[data-test=stats]').innerText()).resolves.toContain('12');
    await expect(page.locator('[data-test=coverage-rate]').innerText()).resolves.toBe('0.0%');
    await look('04-dashboard-province');

    await page.locator('[data-test=coverage-table] a', { hasText: '深圳市' }).click();
    await page.waitForURL(/region=440300/);
    await page.locator('[data-test=coverage-table] a', { hasText: '南山区' }).click();
    await page.waitForURL(/region=440305/);
    await look('05-dashboard-county');
    await page.locator('[data-test=coverage-table] a').first().click();
    await page.waitForURL(/region=440305001/);
    await page.locator('text=查看工作清单').waitFor();
    await look('06-dashboard-township');
  });

  it('lists the township’s uninsured residents and opens one', async () => {
    await page.click('text=查看工作清单');
    await page.waitForURL(/\/console\/worklist\?region=440305001/);
    await page.locator('[data-test=worklist-table] .el-table__row').first().waitFor();
    expect(await page.locator('[data-test=worklist-table] .el-table__row').count()).toBe(8);
    await look('07-worklist');
    await page.locator('[data-test=worklist-table] .el-table__row', { hasText: residents[0].name }).locator('text=查看').click();
    await page.waitForURL(/\/console\/persons\/p_/);
    await page.locator('[data-test=timeline]').waitFor();
    await expect(page.locator('[data-test=coverage-status]').innerText()).resolves.toBe('未参保');
  });

  it('records enrolments on a second day: the coverage changes, the person is insured now and uninsured as of the first day', async () => {
    clock = new Date();
    const path = join(files, '社保-参保.csv');
    const enrolled = residents.slice(0, 6);
    writeCsv(
      path,
      ENROLLMENT_HEADER,
      enrolled.map((r, i) => [`EN${i}`, r.citizen.id, r.name, '城乡居民基本医疗保险', '参保缴费', '44', '2024-06-01']),
      'utf-8-bom',
    );
    await page.click('text=数据导入');
    await page.locator('[data-test=import-source]').click();
    await page.locator('.el-select-dropdown__item', { hasText: '社保业务系统' }).click();
    await page.setInputFiles('[data-test=import-file]', path);
    await page.click('[data-test=import-start]');
    await page.locator('[data-test=import-state]', { hasText: '已完成' }).waitFor({ timeout: 30_000 });
    await t.caughtUp();

    await page.click('text=参保情况');
    await page.waitForURL(/\/console\/dashboard/);
    await expect(page.locator('[data-test=coverage-rate]').innerText()).resolves.toBe('50.0%');
    await look('08-dashboard-after-enrolment');
    // The same dashboard as of the first day: nobody was insured yet.
    await page.goto(`${base}/console/dashboard?asOf=${FIRST_DAY}`);
    await expect(page.locator('[data-test=coverage-rate]').innerText()).resolves.toBe('0.0%');

    const personId = await lookup(residents[0].citizen.id);
    await page.goto(`${base}/console/persons/${personId}`);
    await expect(page.locator('[data-test=coverage-status]').innerText()).resolves.toBe('本省参保');
    expect(await page.locator('[data-test=timeline]').innerText()).toContain('参保');
    await look('09-person');
    await page.goto(`${base}/console/persons/${personId}?asOf=${FIRST_DAY}`);
    await page.locator('[data-test=as-of-banner]').waitFor();
    await expect(page.locator('[data-test=coverage-status]').innerText()).resolves.toBe('未参保');
    await look('10-person-as-of');
  });

  it('unmasks a citizen ID only with a reason, and shows that the disclosure was recorded', async () => {
    const personId = await lookup(residents[1].citizen.id);
    await page.goto(`${base}/console/persons/${personId}`);
    const masked = await page.locator('[data-test=citizen-id]').innerText();
    expect(masked).toContain('*');
    await page.click('[data-test=unmask]');
    await page.click('[data-test=unmask-confirm]');
    await expect(page.locator('.el-form-item__error').innerText()).resolves.toContain('理由');
    await page.fill('#unmask-reason', '核对参保登记材料');
    await page.click('[data-test=unmask-confirm]');
    await page.locator('[data-test=disclosure-recorded]').waitFor();
    await page.locator('.el-overlay-dialog').waitFor({ state: 'hidden' });
    await expect(page.locator('[data-test=citizen-id]').innerText()).resolves.toBe(residents[1].citizen.id);
    await expect(page.locator('[data-test=disclosures]').innerText()).resolves.toContain('核对参保登记材料');
    await look('11-person-unmasked');

    const history = await t
      .http()
      .get(`/v1/persons/${personId}/history`)
      .set(bearer(t.token({ role: 'auditor', region: '44' })));
    expect(history.body.disclosures).toEqual([expect.objectContaining({ operator: 'admin', reasoned: true, reason: '核对参保登记材料' })]);
  });

  it('resolves a link review from the queue', async () => {
    const candidates = await Promise.all(
      residents.slice(2, 4).map(async (r) => ({ personId: await lookup(r.citizen.id), region: r.township })),
    );
    const reviewId = await seedReview(t, candidates);
    await page.click('text=比对复核');
    await page.locator('[data-test=review]').first().waitFor();
    await look('12-reviews');
    await page.locator('[data-test=review-confirm]').first().click();
    await page.locator('[data-test=review-decided]').waitFor();
    await expect(page.locator('[data-test=review]').count()).resolves.toBe(0);
    const confirmed = await t
      .http()
      .get('/v1/link-reviews?state=confirmed')
      .set(bearer(t.token({ role: 'province-admin', region: '44' })));
    expect(confirmed.body.items.map((r: { reviewId: string; personId: string }) => [r.reviewId, r.personId])).toEqual([
      [reviewId, candidates[0].personId],
    ]);
  });

  it('shows data quality per import and the audit trail with a verified hash chain', async () => {
    await t.caughtUp();
    await page.click('text=数据质量');
    await page.locator('[data-test=quality-table] .el-table__row').first().waitFor();
    const quality = await page.locator('[data-test=quality-table]').innerText();
    expect(quality).toContain('公安户籍');
    expect(quality).toContain('社保业务系统');
    await look('13-quality');

    await page.click('text=审计查询');
    await page.locator('[data-test=audit-table] .el-table__row').first().waitFor();
    await page.click('[data-test=verify]');
    await expect(page.locator('[data-test=verification]').innerText()).resolves.toContain('哈希链完整');
    await look('14-audit');
  });

  it('signs out when the service refuses the session’s token (expired), and a township surveyor sees only their pages', async () => {
    // A token that is already out of date, as a session left open overnight would hold.
    const stale = t.app.get(TokenService).sign({ sub: 'admin', roles: ['province-admin'], region: '440000' }, 1);
    await new Promise((r) => setTimeout(r, 1500));
    await page.evaluate((token) => {
      const storage = (
        globalThis as unknown as { sessionStorage: { getItem(k: string): string | null; setItem(k: string, v: string): void } }
      ).sessionStorage;
      const key = 'registry.console.session';
      storage.setItem(key, JSON.stringify({ ...JSON.parse(storage.getItem(key)!), token }));
    }, stale);
    await page.goto(`${base}/console/persons`);
    await page.waitForURL(/\/console\/login/);
    await expect(page.locator('.el-alert').first().innerText()).resolves.toContain('会话已过期');
    await look('15-expired');

    await t.app
      .get(AccountsService)
      .create(
        { operator: 'test', role: 'province-admin', region: '440000', channel: 'cli' },
        'li.surveyor',
        ['township-surveyor'],
        PLACES.nanshan.township,
        'Survey-2024-pass',
      );
    await page.fill('#username', 'li.surveyor');
    await page.fill('#password', 'Survey-2024-pass');
    await page.click('[data-test=login-submit]');
    // Back where the expired session was: the persons page, which a surveyor may open too.
    await page.waitForURL(/\/console\/persons/);
    const menu = await page.locator('nav').innerText();
    expect(menu).toContain('乡镇工作清单');
    expect(menu).not.toContain('数据导入');
    expect(menu).not.toContain('审计查询');
    // Masked the stricter way for a role without person:unmask: 6 + 2 characters shown.
    await page.goto(`${base}/console/worklist`);
    await page.locator('[data-test=worklist-table] .el-table__row').first().waitFor();
    expect(await page.locator('[data-test=worklist-table]').innerText()).toMatch(/\d{6}\*{10}\w{2}/);
    await page.goto(`${base}/console/audit`);
    await page.waitForURL(/\/console\/dashboard/);
    await look('16-surveyor');
  });

  async function lookup(citizenId: string): Promise<string> {
    const res = await t
      .http()
      .post('/v1/persons/lookup')
      .set(bearer(t.token({ role: 'province-admin', region: '44' })))
      .send({ citizenId });
    expect(res.status).toBe(200);
    return res.body.personId;
  }
});

describeInBrowser('console sign-in at the province identity provider (OpenID Connect, code flow with PKCE)', () => {
  const provider = new TestProvider();
  let t: TestApp;
  let browser: Browser;

  beforeAll(async () => {
    ensurePagesBuilt();
    await provider.start();
    provider.signInAs = { sub: 'chen.jing', roles: ['county-operator'], region: PLACES.nanshan.county };
    t = await startApp({ OIDC_ISSUER: provider.issuer, OIDC_CLIENT_ID: 'registry-console' });
    await t.app.listen(0, '127.0.0.1');
    browser = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await t?.close();
    await provider.stop();
  });

  it('goes to the provider and back, exchanges the code with its verifier, and opens the console as the provider’s user', async () => {
    const base = (await t.app.getUrl()).replace('[::1]', '127.0.0.1');
    const page = await (await newContext(browser)).newPage();
    await page.goto(`${base}/console/worklist`);
    await page.waitForURL(/\/console\/login/);
    await page.click('[data-test=login-oidc]');
    await page.waitForURL(/\/console\/worklist/);
    await expect(page.locator('[data-test=who]').textContent()).resolves.toBe('chen.jing');
    expect(provider.tokenRequests).toEqual([{ clientId: 'registry-console', verifierMatched: true }]);
    // The token the console holds is the provider's own, and the API scopes it to its region.
    const held = await page.evaluate(
      () =>
        JSON.parse(
          (globalThis as unknown as { sessionStorage: { getItem(k: string): string } }).sessionStorage.getItem('registry.console.session'),
        ) as { method: string; principal: { region: string } },
    );
    expect(held).toMatchObject({ method: 'oidc', principal: { region: '440305' } });
    await page.waitForLoadState('networkidle');
    await settled(page);
    await screenshot(page, '17-oidc-signed-in');
    expect(await axeViolations(page)).toEqual([]);
  });
});
