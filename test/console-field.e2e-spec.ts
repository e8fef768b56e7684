/**
 * The household survey and self-service registration in a real browser: a county operator
 * hands a township's worklist out as survey tasks, a surveyor sends a result from the field, the
 * operator approves it and the person is insured; a citizen registers on the phone page (/h5,
 * 360 px wide) with the code sent to their phone, the county approves it in the console and the
 * citizen's status query says so.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { AccountsService } from '../apps/registry/src/auth/accounts/accounts.service';
import type { CommandContext } from '../apps/registry/src/common/event-sourcing/command-context';
import { ImportService } from '../apps/registry/src/imports/import.service';
import { TestApp, bearer, startApp } from './support/app';
import { axeViolations, describeInBrowser, ensurePagesBuilt, launchChromium, newContext, screenshot, settled } from './support/browser';
import { PLACES, newCitizen } from './support/citizens';
import { HOUSEHOLD_HEADER, householdRow, writeCsv } from './support/imports-files';

const ACTOR: CommandContext = { operator: 'cli:test', role: 'province-admin', region: '440000', channel: 'cli' };
const PASSWORD = 'Field-work-2024';

describeInBrowser('survey tasks and self-service registration in Chromium', () => {
  let t: TestApp;
  let base: string;
  let browser: Browser;
  const files = mkdtempSync(join(tmpdir(), 'console-field-'));

  async function look(page: Page, name: string): Promise<void> {
    await page.waitForLoadState('networkidle');
    await settled(page);
    await screenshot(page, name);
    expect((await axeViolations(page)).map((v) => `${v.impact} ${v.id}: ${v.help} — ${v.nodes.join(', ')}`)).toEqual([]);
  }

  /** The task lists are read models a moment behind the log: search again until the row is there. */
  async function taskRow(page: Page, text: string) {
    const row = page.locator('[data-test=survey-table] .el-table__row', { hasText: text });
    for (let i = 0; i < 40 && (await row.count()) === 0; i++) {
      await page.waitForTimeout(250);
      // The toolbar's own button: a bare text selector would match the sidebar's 人员查询 first and leave the page.
      if (i % 4 === 3) await page.getByRole('button', { name: '查询', exact: true }).click();
    }
    await row.first().waitFor();
    return row.first();
  }

  async function signIn(username: string): Promise<Page> {
    const page = await (await newContext(browser)).newPage();
    await page.goto(`${base}/console/login`);
    await page.fill('#username', username);
    await page.fill('#password', PASSWORD);
    await page.click('[data-test=login-submit]');
    await page.waitForURL((url) => !url.pathname.endsWith('/login'));
    return page;
  }

  beforeAll(async () => {
    ensurePagesBuilt();
    t = await startApp();
    await t.app.listen(0, '127.0.0.1');
    base = (await t.app.getUrl()).replace('[::1]', '127.0.0.1');
    const accounts = t.app.get(AccountsService);
    await accounts.create(ACTOR, 'zhao.county', ['county-operator'], PLACES.nanshan.county, PASSWORD);
    await accounts.create(ACTOR, 'li.surveyor', ['township-surveyor'], PLACES.nanshan.township, PASSWORD);
    browser = await launchChromium();
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('hands out a township’s worklist, takes a surveyor’s result and approves it: the person is insured', async () => {
    const admin = t.token({ role: 'province-admin', region: '44' });
    const citizen = newCitizen(PLACES.nanshan.county);
    const path = join(files, 'household.csv');
    writeCsv(
      path,
      HOUSEHOLD_HEADER,
      [householdRow({ recordId: 'SV1', citizen, name: '调查对象', region: PLACES.nanshan.township })],
      'utf-8',
    );
    const upload = await t.http().post('/v1/imports').set(bearer(admin)).field('source', 'household-registration').attach('file', path);
    await t.app.get(ImportService).waitFor(upload.body.importId);
    await t.caughtUp();

    const county = await signIn('zhao.county');
    await county.click('text=入户调查');
    await county.click('[data-test=survey-new-batch]');
    await county.fill('#batch-township', PLACES.nanshan.township);
    await county.locator('.el-dialog input[placeholder]').first().waitFor();
    const due = new Date(Date.now() + 14 * 86_400_000).toISOString().slice(0, 10);
    await county.locator('.el-dialog .el-date-editor input').fill(due);
    await county.keyboard.press('Enter');
    await county.fill('#batch-surveyors', 'li.surveyor');
    await county.click('[data-test=survey-create]');
    await county.locator('[data-test=survey-notice]').waitFor();
    await taskRow(county, '调查对象');
    await look(county, '20-survey-tasks');

    const surveyor = await signIn('li.surveyor');
    await surveyor.click('text=入户调查');
    await (await taskRow(surveyor, '调查对象')).locator('[data-test=survey-open]').click();
    await surveyor.click('[data-test=survey-submit-result]');
    await surveyor.locator('[data-test=survey-notice]').waitFor();
    await look(surveyor, '21-survey-result');

    await county.reload();
    await (await taskRow(county, '调查对象')).locator('[data-test=survey-open]').click();
    await county.click('[data-test=survey-approve]');
    await county.locator('[data-test=survey-notice]', { hasText: '审核通过' }).waitFor();
    await look(county, '22-survey-approved');

    await t.caughtUp();
    const found = await t.http().post('/v1/persons/lookup').set(bearer(admin)).send({ citizenId: citizen.id }).expect(200);
    const person = await t.http().get(`/v1/persons/${found.body.personId}`).set(bearer(admin)).expect(200);
    expect(person.body.coverage.status).toBe('insured-local');
  });

  it(
    'registers a citizen on a 360-pixel phone with the code sent to them; the county approves it and the status query says so',
    async () => {
      const phone = await (await newContext(browser, { mobile: true })).newPage();
      const citizen = newCitizen(PLACES.nanshan.county);
      const mobile = '13800138123';
      const codeFromOutbox = async (): Promise<string> => {
        const outbox = join(t.dataDir, 'outbox', 'messages.ndjson');
        for (let i = 0; i < 50; i++) {
          try {
            const lines = readFileSync(outbox, 'utf8').trim().split('\n');
            const last = lines
              .map((l) => JSON.parse(l) as { to: string; text: string })
              .filter((m) => m.to === mobile)
              .pop();
            const match = last && /(\d{6})/.exec(last.text);
            if (match) return match[1];
          } catch {
            // not written yet
          }
          await new Promise((r) => setTimeout(r, 100));
        }
        throw new Error('no code in the outbox');
      };
      let codeSentAt = 0;
      const verify = async (tab: string) => {
        await phone.fill(`#${tab}-citizen-id`, citizen.id);
        await phone.fill(`#${tab}-name`, '自助登记人');
        await phone.fill(`#${tab}-phone`, mobile);
        await phone.locator(`[data-test=h5-send-code]:visible`).click();
        await phone.locator('[data-test=h5-code-sent]:visible').waitFor();
        codeSentAt = Date.now();
        await phone.fill(`#${tab}-code`, await codeFromOutbox());
        await phone.locator('[data-test=h5-verify]:visible').click();
      };

      await phone.goto(`${base}/h5/`);
      await phone.locator('#registration-citizen-id').waitFor();
      await look(phone, '30-h5-register');
      expect(
        await phone.evaluate(
          () => (globalThis as unknown as { document: { documentElement: { scrollWidth: number } } }).document.documentElement.scrollWidth,
        ),
      ).toBeLessThanOrEqual(360);
      await verify('registration');
      await phone.selectOption('[data-test=h5-city]', { label: '深圳市' });
      await phone.selectOption('[data-test=h5-county]', { label: '南山区' });
      await phone.selectOption('[data-test=h5-township]', { label: '南头街道' });
      await look(phone, '31-h5-details');
      await phone.click('[data-test=h5-submit]');
      await phone.locator('[data-test=h5-submitted]').waitFor();
      await look(phone, '32-h5-submitted');

      const county = await signIn('zhao.county');
      await county.click('text=自助登记审核');
      await county.locator('[data-test=self-service-table] .el-table__row', { hasText: '自助登记人' }).waitFor();
      await look(county, '33-self-service-review');
      const row = county.locator('[data-test=self-service-table] .el-table__row', { hasText: '自助登记人' });
      // The queue names each submission's state in Chinese (an interrupted approval would say 审批中).
      expect((await row.locator('[data-test=self-service-state]').innerText()).trim()).toBe('待审核');
      await row.locator('[data-test=self-service-approve]').click();
      await county.locator('[data-test=self-service-decided]').waitFor();

      await phone.click('text=办理进度查询');
      await phone.locator('#status-query-citizen-id').waitFor();
      // A phone gets one code a minute: asked again at once, the page says to wait, and then it works.
      await phone.fill('#status-query-citizen-id', citizen.id);
      await phone.fill('#status-query-name', '自助登记人');
      await phone.fill('#status-query-phone', mobile);
      await phone.locator('[data-test=h5-send-code]:visible').click();
      const wait = await phone.locator('[data-test=h5-error]:visible').innerText();
      expect(wait).toMatch(/请 \d+ 秒后再试/);
      await phone.waitForTimeout(Math.max(0, codeSentAt + 61_000 - Date.now()));
      await verify('status-query');
      await phone.locator('[data-test=h5-status]').waitFor();
      expect(await phone.locator('[data-test=h5-status]').innerText()).toContain('已通过');
      await look(phone, '34-h5-status');
    },
    // A phone gets one code a minute, and the status query needs a second one.
    180_000,
  );
});
