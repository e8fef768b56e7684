/**
 * What the service loads on the embedded default: the server adapters' clients (MongoDB,
 * EventStoreDB over gRPC, PostgreSQL), the libraries behind XLSX files and charts, and the
 * pinyin dictionary (the linker's alone) are loaded when selected or first asked for, not by
 * every process and thread. Together they held some
 * 28 MiB of heap and 36 MiB of resident memory in each process that loaded them.
 */
import { spawnSync } from 'node:child_process';
import { REPO_ROOT, ensureBuilt } from './support/imports-cli';

const ON_DEMAND = ['mongodb', '@eventstore/db-client', '@grpc/grpc-js', 'pg', 'exceljs', 'echarts', 'pinyin-pro'];

/** The packages (of `watch`) a fresh process holds after requiring these compiled modules. */
function packagesLoadedBy(modules: string[], watch: string[]): string[] {
  const script = `
    const path = require('path');
    const root = ${JSON.stringify(REPO_ROOT)};
    require(require.resolve('tsconfig-paths', { paths: [root] })).register({
      baseUrl: path.join(root, 'dist'),
      paths: require(path.join(root, 'tsconfig.json')).compilerOptions.paths,
    });
    for (const m of ${JSON.stringify(modules)}) require(path.join(root, 'dist', m));
    const loaded = new Set();
    for (const file of Object.keys(require.cache)) {
      const m = /node_modules[\\\\/]((?:@[^\\\\/]+[\\\\/])?[^\\\\/]+)/.exec(file);
      if (m) loaded.add(m[1].replace(/\\\\/g, '/'));
    }
    process.stdout.write(JSON.stringify(${JSON.stringify(watch)}.filter((p) => loaded.has(p))));
  `;
  const run = spawnSync(process.execPath, ['-e', script], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 60_000 });
  if (run.status !== 0) throw new Error(`loading ${modules.join(', ')} failed:\n${run.stderr}`);
  return JSON.parse(run.stdout) as string[];
}

describe('what a process loads', () => {
  beforeAll(() => ensureBuilt(), 300_000);

  it('the service and its threads hold no server client, XLSX, chart or pinyin library until one is selected or asked for', () => {
    const modules = [
      'apps/registry/src/app.module.js',
      'apps/registry/src/projections/projection-thread.js',
      'apps/registry/src/imports/import-thread.js',
    ];
    expect(packagesLoadedBy(modules, ON_DEMAND)).toEqual([]);
  });

  it('sees a package that is loaded (the check itself can fail)', () => {
    // The service's module and the MongoDB adapter: the adapter's driver shows.
    const modules = ['apps/registry/src/app.module.js', 'libs/read-store/src/mongodb/mongo-read-store.js'];
    expect(packagesLoadedBy(modules, ON_DEMAND)).toEqual(['mongodb']);
  });
});
