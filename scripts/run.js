// Runs a compiled entry point from dist/ with the monorepo's @registry/* paths (declared in
// tsconfig.json) resolved against the compiled output instead of the TypeScript sources.
const path = require('path');
const fs = require('fs');
const tsconfigPaths = require('tsconfig-paths');

const root = path.resolve(__dirname, '..');
const tsconfig = JSON.parse(fs.readFileSync(path.join(root, 'tsconfig.json'), 'utf8'));
tsconfigPaths.register({ baseUrl: path.join(root, 'dist'), paths: tsconfig.compilerOptions.paths });

const entry = process.argv[2];
if (!entry) {
  console.error('usage: node scripts/run.js <entry relative to dist/>');
  process.exit(2);
}
process.argv.splice(2, 1);
require(path.join(root, 'dist', entry));
