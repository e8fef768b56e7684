/**
 * Suites that need a server (MongoDB wire protocol, PostgreSQL, EventStoreDB) run only when
 * their setting names one. Without it they are skipped as skipped: Jest counts every test of
 * the suite as skipped and the reason is printed. Where CI must provide the server, a missing
 * setting under `CI=true` fails instead, so a broken CI set-up cannot pass by skipping.
 */
export interface ServerSuite {
  /** The suite's title, also used for the skipped copy. */
  title: string;
  /** The environment variable that names the server. */
  variable: string;
  /** How to get a server, printed with the reason. */
  howTo: string;
  /** CI (`.ci/run`) starts this server, so its absence under CI=true is a failure. */
  requiredInCi: boolean;
}

export function describeWithServer(options: ServerSuite, suite: (value: string) => void): void {
  const value = process.env[options.variable]?.trim();
  if (value) {
    describe(options.title, () => suite(value));
    return;
  }
  if (options.requiredInCi && process.env.CI) {
    describe(options.title, () => {
      it(`needs ${options.variable} on CI`, () => {
        throw new Error(`${options.variable} is not set: CI must start the server (${options.howTo}) and export ${options.variable}`);
      });
    });
    return;
  }
  // Straight to stderr: Jest's reporter, running several files, prints no console output of a
  // file whose tests were all skipped, so a console.warn here would show only when run alone.
  process.stderr.write(`SKIPPED ${options.title}: ${options.variable} is not set. ${options.howTo}\n`);
  // The suite is declared as it would run (its tests are counted and named as skipped); the
  // store factories inside are never called.
  describe.skip(options.title, () => suite(''));
}
