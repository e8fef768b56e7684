// Loads a generated province into a running service for scripts/api-fuzz.sh, through the
// API as any client would: imports three of its files, waits for them and for the read
// models, then runs a comparison. Fails loudly, so a fuzz run never starts on half a load.
//   node scripts/api-fuzz-seed.js <base URL> <token> <province dir>
const { readFile } = require('node:fs/promises');
const { join } = require('node:path');

const [base, token, dir] = process.argv.slice(2);
const auth = { Authorization: `Bearer ${token}` };
const FILES = ['household-registration.csv', 'insurance-enrollment.csv', 'card-library.xlsx'];
const DEADLINE = Date.now() + 120_000;

async function call(method, path, body) {
  const res = await fetch(`${base}${path}`, { method, headers: auth, body });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path} answered ${res.status}: ${text.slice(0, 300)}`);
  return text ? JSON.parse(text) : undefined;
}

async function until(what, check) {
  while (!(await check())) {
    if (Date.now() > DEADLINE) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

async function main() {
  const imports = [];
  for (const file of FILES) {
    const form = new FormData();
    form.append('source', file.replace(/\..*$/, ''));
    form.append('file', new Blob([await readFile(join(dir, file))]), file);
    imports.push((await call('POST', '/v1/imports', form)).importId);
  }
  for (const id of imports) {
    await until(`import ${id}`, async () => {
      const job = await call('GET', `/v1/imports/${id}`);
      if (job.state === 'failed') throw new Error(`import ${id} failed: ${job.error?.code}`);
      return job.state === 'completed';
    });
  }
  const caughtUp = async () => {
    const res = await fetch(`${base}/health`);
    const projections = (await res.json()).details?.projections ?? {};
    return Object.values(projections).every((p) => typeof p !== 'object' || p.lag === undefined || p.lag === 0);
  };
  await until('the read models', caughtUp);
  const run = await call('POST', '/v1/comparison-runs');
  await until(`comparison run ${run._id}`, async () => (await call('GET', `/v1/comparison-runs/${run._id}`)).state !== 'running');
  await until('the read models', caughtUp);
  const persons = await call('GET', '/v1/persons?limit=500');
  const reviews = await call('GET', '/v1/link-reviews');
  const tasks = await surveyTasks();
  await until('the read models', caughtUp);
  process.stdout.write(`loaded ${persons.items.length} persons, ${reviews.items.length} pending link reviews, ${tasks} survey tasks\n`);
}

/**
 * Survey tasks for the township of the first worklist person, held by the token's own
 * subject (the province admin may send results), one with a result waiting for review: the
 * survey lists and reports then answer with items to check against their schemas.
 */
async function surveyTasks() {
  const worklist = await call('GET', '/v1/survey-worklists?region=44');
  if (worklist.items.length === 0) return 0;
  const township = worklist.items[0].householdRegion.slice(0, 9);
  const sub = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8')).sub;
  const post = async (path, body) => {
    const headers = { ...auth, 'Content-Type': 'application/json' };
    const res = await fetch(`${base}${path}`, { method: 'POST', headers, body: JSON.stringify(body) });
    if (!res.ok) throw new Error(`POST ${path} answered ${res.status}: ${(await res.text()).slice(0, 300)}`);
    return res.json();
  };
  const due = new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10);
  const batch = await post('/v1/survey-tasks/batches', {
    batchId: 'api-fuzz',
    region: township,
    dueDate: due,
    from: 'worklist',
    surveyors: [sub],
  });
  const [first] = batch.tasks;
  if (first) {
    await post(`/v1/survey-tasks/${first.taskId}/results`, {
      resultId: 'api-fuzz-1',
      visitedAt: new Date(Date.now() - 60_000).toISOString(),
      finding: { outcome: 'refused' },
      evidence: [{ documentId: 'api-fuzz/photo-1', type: 'photo', sha256: '0'.repeat(64) }],
    });
  }
  return batch.created;
}

main().catch((error) => {
  process.stderr.write(`loading the province failed: ${error.message}\n`);
  process.exit(1);
});
