// Builds the console (/console) and the citizens' page (/h5) with Vite into apps/console/dist,
// unless the sources are unchanged since the last build: `npm start` and every CLI call run
// `npm run build`, and a rebuild costs about 20 s of two shared cores. The fingerprint covers
// the pages' sources and configuration and the lock file (the libraries bundled into them).
const { createHash } = require('node:crypto');
const { existsSync, readFileSync, readdirSync, statSync, writeFileSync } = require('node:fs');
const { join, relative } = require('node:path');

const root = join(__dirname, '..');
const consoleDir = join(root, 'apps', 'console');
const dist = join(consoleDir, 'dist');
const stampFile = join(dist, '.fingerprint');

function files(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'dist' || entry.name === 'node_modules' ? [] : files(path);
    return [path];
  });
}

function fingerprint() {
  const hash = createHash('sha256');
  for (const path of [...files(consoleDir), join(root, 'package-lock.json')].sort()) {
    hash.update(relative(root, path)).update('\0').update(readFileSync(path)).update('\0');
  }
  return hash.digest('hex');
}

async function main() {
  const force = process.argv.includes('--force');
  // Standard error: `TOKEN=$(npm run --silent cli -- token …)` runs this first and keeps standard output.
  const print = (line) => process.stderr.write(`${line}\n`);
  const stamp = fingerprint();
  const built = ['console', 'h5'].every((app) => existsSync(join(dist, app, 'index.html')));
  if (!force && built && existsSync(stampFile) && readFileSync(stampFile, 'utf8') === stamp) {
    print('console and h5 pages are up to date (apps/console/dist)');
    return;
  }
  const { build } = await import('vite');
  for (const mode of ['console', 'h5']) {
    const started = Date.now();
    await build({ configFile: join(consoleDir, 'vite.config.mts'), mode, logLevel: 'warn' });
    const bytes = files(join(dist, mode)).reduce((sum, path) => sum + statSync(path).size, 0);
    print(
      `built /${mode} in ${((Date.now() - started) / 1000).toFixed(1)} s (${(bytes / 1024).toFixed(0)} KiB in apps/console/dist/${mode})`,
    );
  }
  writeFileSync(stampFile, stamp);
}

main().catch((error) => {
  process.stderr.write(`${error && error.stack ? error.stack : error}\n`);
  process.exit(1);
});
