/**
 * Headless Chromium for the console's end-to-end tests: Debian's `chromium` driven by
 * playwright-core (no browser download), screenshots under test-results/, and axe-core
 * injected into the page for accessibility checks.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const RESULTS_DIR = resolve(__dirname, '../../test-results');

/** Why the browser tests cannot run here, or null when they can. */
export function browserUnavailable(): string | null {
  return existsSync(CHROMIUM) ? null : `no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`;
}

/**
 * `describe` when Chromium is here; otherwise a skip that says why, except in CI, where a
 * browser test that cannot run is a failure (.ci/run installs Chromium).
 */
export function describeInBrowser(name: string, body: () => void): void {
  const unavailable = browserUnavailable();
  if (!unavailable) return describe(name, body);
  if (process.env.CI) {
    return describe(name, () => {
      it('has a browser to run in', () => {
        throw new Error(`CI cannot run the browser tests: ${unavailable}`);
      });
    });
  }
  // Straight to stderr, as the server suites do: Jest prints no console output of a file whose tests were all skipped.
  process.stderr.write(`SKIPPED ${name}: ${unavailable}\n`);
  describe.skip(name, body);
}

/** Builds the pages when their sources changed since the last build (seconds; nothing when unchanged). */
export function ensurePagesBuilt(): void {
  const result = spawnSync(process.execPath, [resolve(__dirname, '../../scripts/build-console.js')], {
    encoding: 'utf8',
    timeout: 240_000,
  });
  const dist = resolve(__dirname, '../../apps/console/dist');
  if (result.status !== 0 || !existsSync(join(dist, 'console', 'index.html')) || !existsSync(join(dist, 'h5', 'index.html'))) {
    throw new Error(`the pages could not be built:\n${result.stdout}${result.stderr}`);
  }
}

/**
 * playwright-core gives every launch a fresh, empty profile of its own. The flags keep Chromium off the network it would otherwise call home on (this machine's
 * network is closed and every refused connection is noise), and let it run as root in a
 * container without a sandbox or a GPU.
 */
export async function launchChromium(): Promise<Browser> {
  const { chromium } = await import('playwright-core');
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
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
}

export async function newContext(browser: Browser, options: { mobile?: boolean } = {}): Promise<BrowserContext> {
  return browser.newContext(
    options.mobile
      ? { viewport: { width: 360, height: 740 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true, locale: 'zh-CN' }
      : { viewport: { width: 1440, height: 900 }, locale: 'zh-CN', acceptDownloads: true },
  );
}

export async function screenshot(page: Page, name: string): Promise<string> {
  const dir = join(RESULTS_DIR, 'console');
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** Waits for the page's running CSS transitions and animations (a tag zooming in, a dialog fading out) to end. */
export async function settled(page: Page): Promise<void> {
  await page.evaluate(async () => {
    const doc = (globalThis as unknown as { document: { getAnimations(): Array<{ finished: Promise<unknown> }> } }).document;
    await Promise.all(doc.getAnimations().map((a) => a.finished.catch(() => undefined)));
  });
}

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: string[];
}

let axeSource: string | undefined;

/**
 * Runs axe-core in the page (WCAG 2.0/2.1 A and AA rules) and answers the serious and
 * critical violations, each with the selectors of the elements at fault.
 */
export async function axeViolations(page: Page): Promise<AxeViolation[]> {
  axeSource ??= readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
  // Evaluated through the DevTools protocol, not as a <script>: the page's CSP (script-src 'self') stays on.
  if (!(await page.evaluate(() => 'axe' in globalThis))) await page.evaluate(axeSource);
  const violations = await page.evaluate(async () => {
    const page = globalThis as unknown as {
      axe: { run: (ctx: unknown, opts: unknown) => Promise<{ violations: unknown[] }> };
      document: unknown;
    };
    const result = await page.axe.run(page.document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } });
    return result.violations as Array<{ id: string; impact: string | null; help: string; nodes: Array<{ target: string[] }> }>;
  });
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 5).map((n) => n.target.join(' ')) }));
}
