/**
 * The OpenAPI document declares every answer (issue #13): for each operation in
 * /docs-json — whatever routes exist, so new ones are held to it without being listed
 * here — a 2xx response with a schema (or a file download's content type), 401 when it
 * is behind a token, 400 when it takes parameters or a body, 431 when a path or query
 * value can make the request too long, and every error as the problem+json schema
 * ProblemFilter writes. scripts/api-fuzz.sh checks the service's
 * answers against the same document.
 */
import { createHash } from 'node:crypto';
import type { Response } from 'supertest';
import { SurveyReactor } from '../apps/registry/src/survey/survey-reactor';
import { bearer, startApp, TestApp } from './support/app';
import { newCitizen, PLACES } from './support/citizens';
import { registrationBody } from './support/requests';

jest.setTimeout(60_000);

interface Schema {
  $ref?: string;
  type?: string;
  format?: string;
  enum?: unknown[];
  nullable?: boolean;
  oneOf?: Schema[];
  anyOf?: Schema[];
  allOf?: Schema[];
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  additionalProperties?: boolean | Schema;
}
interface MediaType {
  schema?: Schema;
}
interface ResponseObject {
  description?: string;
  content?: Record<string, MediaType>;
  headers?: Record<string, unknown>;
}
interface Operation {
  parameters?: Array<{ name: string; in: string }>;
  requestBody?: unknown;
  security?: Array<Record<string, string[]>>;
  responses: Record<string, ResponseObject>;
}
interface OpenApiDocument {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Schema> };
}

const PROBLEM_CONTENT_TYPE = 'application/problem+json';
const PROBLEM_REF = '#/components/schemas/ProblemDto';
/** Files an operation hands out to save: declared as binary strings of these content types. */
const DOWNLOAD_TYPES = [
  'text/csv',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  'application/octet-stream',
  'image/svg+xml',
  'image/png',
];
/**
 * /health answers 503 with Terminus's health report (the per-check details monitoring
 * reads), not a problem: it is the check's result, not an error of the request.
 */
const NOT_PROBLEMS = new Set(['GET /health 503']);
const METHODS = new Set(['get', 'put', 'post', 'delete', 'patch', 'head', 'options']);
/** The household survey's routes (issue #16: names fixed). */
const SURVEY_OPERATIONS = [
  'POST /v1/survey-tasks/batches',
  'GET /v1/survey-tasks',
  'GET /v1/survey-tasks/{taskId}',
  'POST /v1/survey-tasks/{taskId}/assignment',
  'POST /v1/survey-tasks/{taskId}/results',
  'POST /v1/survey-tasks/{taskId}/approval',
  'POST /v1/survey-tasks/{taskId}/return',
  'POST /v1/survey-tasks/{taskId}/cancellation',
  'GET /v1/reports/survey-progress',
];

let t: TestApp;
let doc: OpenApiDocument;
let operations: Array<{ label: string; method: string; path: string; op: Operation }>;

beforeAll(async () => {
  t = await startApp();
  const res = await t.http().get('/docs-json').expect(200);
  doc = res.body as OpenApiDocument;
  operations = Object.entries(doc.paths).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([method]) => METHODS.has(method))
      .map(([method, op]) => ({ label: `${method.toUpperCase()} ${path}`, method, path, op })),
  );
});

afterAll(async () => {
  await t?.close();
});

function resolve(schema: Schema | undefined): Schema | undefined {
  if (!schema?.$ref) return schema;
  const name = schema.$ref.replace('#/components/schemas/', '');
  return doc.components.schemas[name];
}

/**
 * Where a JSON value departs from its schema: a property the schema does not declare, a
 * required one missing, a wrong type, a value outside an enum. Enough of JSON Schema for
 * what @nestjs/swagger writes ($ref, oneOf/anyOf/allOf, nullable, integer).
 */
function departures(value: unknown, raw: Schema | undefined, path: string): string[] {
  const schema = resolve(raw);
  if (!schema) return [`${path}: no schema`];
  if (value === null) return schema.nullable ? [] : [`${path}: null where ${schema.type ?? 'a value'} is declared`];
  if (schema.allOf) {
    const merged: Schema = { type: 'object', properties: {}, required: [] };
    for (const part of schema.allOf.map(resolve)) {
      Object.assign(merged.properties!, part?.properties);
      merged.required!.push(...(part?.required ?? []));
    }
    return departures(value, merged, path);
  }
  const alternatives = schema.oneOf ?? schema.anyOf;
  if (alternatives) {
    const each = alternatives.map((alternative) => departures(value, alternative, path));
    return each.some((d) => d.length === 0) ? [] : [`${path}: matches none of ${alternatives.length} alternatives (${each[0].join('; ')})`];
  }
  if (schema.enum && !schema.enum.includes(value)) return [`${path}: ${JSON.stringify(value)} is not in its enum`];
  const type = schema.type ?? (schema.properties ? 'object' : undefined);
  switch (type) {
    case 'string':
      return typeof value === 'string' ? [] : [`${path}: not a string`];
    case 'boolean':
      return typeof value === 'boolean' ? [] : [`${path}: not a boolean`];
    case 'number':
      return typeof value === 'number' ? [] : [`${path}: not a number`];
    case 'integer':
      return Number.isInteger(value) ? [] : [`${path}: not an integer`];
    case 'array':
      return Array.isArray(value) ? value.flatMap((item, i) => departures(item, schema.items, `${path}[${i}]`)) : [`${path}: not an array`];
    case 'object': {
      if (typeof value !== 'object' || Array.isArray(value)) return [`${path}: not an object`];
      const record = value as Record<string, unknown>;
      const out = (schema.required ?? []).filter((key) => !(key in record)).map((key) => `${path}.${key}: required, missing`);
      for (const [key, item] of Object.entries(record)) {
        const declared = schema.properties?.[key];
        if (declared) out.push(...departures(item, declared, `${path}.${key}`));
        else if (typeof schema.additionalProperties === 'object')
          out.push(...departures(item, schema.additionalProperties, `${path}.${key}`));
        else if (schema.additionalProperties !== true) out.push(`${path}.${key}: not declared`);
      }
      return out;
    }
    default:
      return [];
  }
}

/** Why a 2xx content entry does not describe the answer, or undefined when it does. */
function successProblem(type: string, media: MediaType): string | undefined {
  if (DOWNLOAD_TYPES.includes(type)) {
    return media.schema?.type === 'string' && media.schema.format === 'binary' ? undefined : `${type} is not declared as a binary string`;
  }
  if (!/json/.test(type)) return `${type} is neither JSON nor a known download type`;
  const schema = resolve(media.schema);
  if (!schema) return `${type} has no schema${media.schema?.$ref ? ` (${media.schema.$ref} does not resolve)` : ''}`;
  if (schema.type === 'array') return resolve(schema.items)?.properties ? undefined : 'an array without an item schema';
  if (!schema.properties || Object.keys(schema.properties).length === 0) return `${type} schema declares no properties`;
  const items = schema.properties.items;
  if (items?.type === 'array') {
    if (!resolve(items.items)?.properties) return 'a list without an item schema';
    if (!schema.properties.nextCursor) return 'a list without nextCursor';
  }
  return undefined;
}

describe('OpenAPI document', () => {
  it('lists the service’s operations (the checks below cover each of them)', () => {
    expect(doc.openapi).toMatch(/^3\./);
    const labels = operations.map((o) => o.label);
    expect(labels).toEqual(
      expect.arrayContaining([
        'GET /health',
        'POST /v1/persons/registrations',
        'GET /v1/persons/{personId}',
        'GET /v1/imports/{importId}/rejections',
        'POST /v1/comparison-runs',
        'POST /v1/ministry/uploads/run',
        'POST /v1/public/phone-verifications',
        'POST /v1/public/phone-verifications/check',
        'POST /v1/public/registrations',
        'POST /v1/public/status-queries',
        'GET /v1/self-service-reviews',
        'POST /v1/self-service-reviews/{reviewId}/approval',
        'POST /v1/self-service-reviews/{reviewId}/rejection',
        'GET /v1/reminders',
        'POST /v1/reminders/opt-outs',
        ...SURVEY_OPERATIONS,
      ]),
    );
    expect(labels.length).toBeGreaterThanOrEqual(28);
  });

  it('gives every operation a 2xx response with a schema, or a download’s content type', () => {
    const missing: string[] = [];
    for (const { label, op } of operations) {
      const successes = Object.entries(op.responses).filter(([status]) => /^2\d\d$/.test(status));
      if (successes.length === 0) missing.push(`${label}: no 2xx response`);
      for (const [status, response] of successes) {
        const content = Object.entries(response.content ?? {});
        if (content.length === 0) missing.push(`${label} ${status}: no content`);
        for (const [type, media] of content) {
          const why = successProblem(type, media);
          if (why) missing.push(`${label} ${status}: ${why}`);
        }
      }
    }
    expect(missing).toEqual([]);
  });

  it('declares 400 wherever an operation takes parameters or a body', () => {
    const missing = operations
      .filter(({ op }) => (op.parameters?.length ?? 0) > 0 || op.requestBody !== undefined)
      .filter(({ op }) => !op.responses['400'])
      .map(({ label }) => label);
    expect(missing).toEqual([]);
  });

  it('declares 431 wherever a path or query parameter can make the request head longer than the service reads', () => {
    const missing = operations
      .filter(({ op }) => (op.parameters ?? []).some((p) => p.in === 'path' || p.in === 'query'))
      .filter(({ op }) => !op.responses['431'])
      .map(({ label }) => label);
    expect(missing).toEqual([]);
  });

  it('declares every error as application/problem+json with the Problem schema', () => {
    const wrong: string[] = [];
    for (const { label, op } of operations) {
      for (const [status, response] of Object.entries(op.responses)) {
        if (!/^[45]\d\d$/.test(status) || NOT_PROBLEMS.has(`${label} ${status}`)) continue;
        const types = Object.keys(response.content ?? {});
        const ref = response.content?.[PROBLEM_CONTENT_TYPE]?.schema?.$ref;
        if (types.join() !== PROBLEM_CONTENT_TYPE || ref !== PROBLEM_REF) wrong.push(`${label} ${status}: ${types.join() || 'no content'}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('documents what the citizens’ endpoints answer: the codes’ limits with Retry-After, the proof they need, the answers’ fields', () => {
    const op = (label: string) => operations.find((o) => o.label === label)!.op;
    const json = (label: string, status: string) => resolve(op(label).responses[status]?.content?.['application/json']?.schema);
    for (const label of ['POST /v1/public/phone-verifications', 'POST /v1/public/phone-verifications/check']) {
      expect({ label, retryAfter: op(label).responses['429']?.headers?.['Retry-After'] !== undefined }).toEqual({
        label,
        retryAfter: true,
      });
    }
    expect(op('POST /v1/public/phone-verifications/check').responses['422'].description).toMatch(/VERIFICATION_CODE_INVALID.*triesLeft/);
    for (const label of ['POST /v1/public/registrations', 'POST /v1/public/status-queries']) {
      expect(op(label).responses['403'].description).toContain('VERIFICATION_REQUIRED');
    }
    expect(Object.keys(json('POST /v1/public/phone-verifications', '202')?.properties ?? {}).sort()).toEqual([
      'expiresAt',
      'resendAfter',
      'verificationId',
    ]);
    expect(Object.keys(json('POST /v1/public/status-queries', '200')?.properties ?? {}).sort()).toEqual(['registry', 'submissions']);
    expect(op('POST /v1/public/registrations').responses['409'].description).toContain('SUBMISSION_ALREADY_RECEIVED');
    // The review decisions name the approval's claim and its release in their 409s.
    expect(op('POST /v1/self-service-reviews/{reviewId}/rejection').responses['409'].description).toMatch(
      /SUBMISSION_ALREADY_DECIDED.*SUBMISSION_APPROVAL_IN_PROGRESS/,
    );
    expect(op('POST /v1/self-service-reviews/{reviewId}/approval').responses['409'].description).toMatch(
      /SUBMISSION_ALREADY_DECIDED.*PERSON_DECEASED.*back to pending.*SUBMISSION_APPROVAL_NOT_STARTED/,
    );
    // A citizen ID travels only in bodies: no operation takes one in its path or query.
    const idParameters = operations.flatMap(({ label, op: o }) =>
      (o.parameters ?? []).filter((p) => /citizen/i.test(p.name)).map((p) => `${label} ${p.in} ${p.name}`),
    );
    expect(idParameters).toEqual([]);
  });

  it('declares the problem body ProblemFilter writes, with errors[] of field, code and message', () => {
    const problem = doc.components.schemas.ProblemDto;
    expect(problem.required).toEqual(expect.arrayContaining(['type', 'title', 'status', 'code', 'detail']));
    expect(problem.properties?.status.type).toBe('integer');
    const fieldError = resolve(problem.properties?.errors.items);
    expect(fieldError?.required).toEqual(expect.arrayContaining(['field', 'code', 'message']));
  });

  it('declares 401 and bearer security on every operation that refuses a call without a token', async () => {
    const wrong: string[] = [];
    for (const { label, method, path, op } of operations) {
      // Any value fills a path parameter: the token is checked before the route's handler runs.
      const url = path.replace(/\{[^}]+\}/g, 'x');
      const http = t.http();
      const res = method === 'get' ? await http.get(url) : await http[method as 'post' | 'put' | 'patch' | 'delete'](url).send({});
      const tokenRequired = res.status === 401;
      const declared = op.responses['401'] !== undefined && (op.security ?? []).some((s) => 'bearer' in s);
      if (tokenRequired !== declared) wrong.push(`${label}: answered ${res.status} without a token, 401 declared: ${declared}`);
    }
    expect(wrong).toEqual([]);
  });

  it('answers a request head over Node’s size limit as the declared 431 problem, not a bare status', async () => {
    const token = t.token({ role: 'province-admin', region: '44' });
    const res = await t
      .http()
      .get(`/v1/persons?cursor=${'%E4%B8%AD'.repeat(2000)}`)
      .set(bearer(token));
    expect(res.status).toBe(431);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(JSON.parse(res.text)).toEqual({
      type: 'urn:registry:problem:request-header-fields-too-large',
      title: 'Request Header Fields Too Large',
      status: 431,
      code: 'REQUEST_HEADER_FIELDS_TOO_LARGE',
      detail: expect.any(String),
    });
  });

  it('matches what the service answers: a validation error has the declared problem shape and content type', async () => {
    const token = t.token({ role: 'province-admin', region: '44' });
    const res = await t.http().get('/v1/persons?limit=many&colour=blue').set(bearer(token));
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    const problem = doc.components.schemas.ProblemDto;
    for (const field of problem.required ?? []) expect(res.body).toHaveProperty(field);
    expect(Object.keys(res.body).filter((key) => !(key in (problem.properties ?? {})))).toEqual([]);
    expect(res.body.errors).toEqual(
      expect.arrayContaining([
        { field: 'limit', code: 'MATCHES', message: expect.any(String) },
        { field: 'colour', code: 'UNKNOWN_FIELD', message: expect.any(String) },
      ]),
    );
  });
});

/**
 * The survey's answers as the service sends them, against the schemas the document declares:
 * a township's tasks from its worklist, a result, a return, a second result, an approval, a
 * reassignment, a cancellation, the task views, the lists and the progress report.
 */
describe('OpenAPI document: the household survey answers as declared', () => {
  const township = PLACES.nanshan.township;
  const sha = (text: string) => createHash('sha256').update(text).digest('hex');
  const answers: Array<{ label: string; res: Response }> = [];
  const declared = (label: string, status: number): Schema | undefined => {
    const [method, path] = label.split(' ');
    return doc.paths[path]?.[method.toLowerCase()]?.responses[String(status)]?.content?.['application/json']?.schema;
  };

  beforeAll(async () => {
    const hr = t.token({ role: 'service-client', sub: 'hr', region: '44', source: 'household-registration' });
    const operator = t.token({ role: 'township-operator', sub: 'nantou-head', region: township });
    const county = t.token({ role: 'county-operator', sub: 'nanshan-reviewer', region: PLACES.nanshan.county });
    const surveyor = t.token({ role: 'township-surveyor', sub: 'sv-openapi', region: township });
    for (const name of ['开放甲', '开放乙', '开放丙']) {
      const citizen = newCitizen();
      await t
        .http()
        .post('/v1/persons/registrations')
        .set(bearer(hr))
        .send(registrationBody(citizen, { name, sourceRecordId: `OA-${citizen.id.slice(6, 17)}`, householdAddress: '南头街道1号' }))
        .expect(200);
    }
    await t.caughtUp();
    const record = (label: string, res: Response) => {
      answers.push({ label, res });
      return res;
    };
    const batch = record(
      'POST /v1/survey-tasks/batches',
      await t
        .http()
        .post('/v1/survey-tasks/batches')
        .set(bearer(operator))
        .send({ batchId: 'openapi-1', region: township, dueDate: '2099-12-31', from: 'worklist', surveyors: ['sv-openapi'] }),
    );
    const [first, second, third] = batch.body.tasks.map((x: { taskId: string }) => x.taskId);
    await t.caughtUp();
    await t.app.get(SurveyReactor).runner.waitUntilCaughtUp(20_000);
    await t.caughtUp();
    const send = (label: string, token: string, path: string, body: Record<string, unknown>) =>
      t
        .http()
        .post(path)
        .set(bearer(token))
        .send(body)
        .then((res) => record(label, res));
    const result = (resultId: string, finding: Record<string, unknown>) => ({
      resultId,
      visitedAt: new Date(Date.now() - 60_000).toISOString(),
      finding,
      evidence: [{ documentId: `oss://openapi/${resultId}`, type: 'photo', sha256: sha(resultId) }],
      note: '户主在家',
    });
    await send(
      'POST /v1/survey-tasks/{taskId}/results',
      surveyor,
      `/v1/survey-tasks/${first}/results`,
      result('oa-1', { outcome: 'refused' }),
    );
    await send('POST /v1/survey-tasks/{taskId}/return', operator, `/v1/survey-tasks/${first}/return`, { reason: '需户主签字' });
    await send(
      'POST /v1/survey-tasks/{taskId}/results',
      surveyor,
      `/v1/survey-tasks/${first}/results`,
      result('oa-2', { outcome: 'enrolled-now', enrollments: [{ insuranceType: '390', since: '2025-03-01', region: township }] }),
    );
    await send('POST /v1/survey-tasks/{taskId}/approval', county, `/v1/survey-tasks/${first}/approval`, {});
    await send('POST /v1/survey-tasks/{taskId}/assignment', county, `/v1/survey-tasks/${second}/assignment`, { surveyor: 'sv-other' });
    await send('POST /v1/survey-tasks/{taskId}/cancellation', county, `/v1/survey-tasks/${third}/cancellation`, { reason: '重复' });
    await t.caughtUp();
    for (const [taskId, token] of [
      [first, county],
      [second, county],
      [third, surveyor],
    ])
      record('GET /v1/survey-tasks/{taskId}', await t.http().get(`/v1/survey-tasks/${taskId}`).set(bearer(token)));
    record('GET /v1/survey-tasks', await t.http().get('/v1/survey-tasks').query({ region: township, limit: '2' }).set(bearer(county)));
    record('GET /v1/survey-tasks', await t.http().get('/v1/survey-tasks').set(bearer(surveyor)));
    for (const region of [township, PLACES.nanshan.county])
      record('GET /v1/reports/survey-progress', await t.http().get('/v1/reports/survey-progress').query({ region }).set(bearer(county)));
  });

  it('exercised every survey operation with a success', () => {
    expect(answers.map((a) => `${a.label} ${a.res.status}`)).toEqual(expect.arrayContaining(SURVEY_OPERATIONS.map((op) => `${op} 200`)));
    expect(answers.filter((a) => a.res.status !== 200).map((a) => `${a.label} ${a.res.status} ${a.res.body?.code}`)).toEqual([]);
  });

  it('sends nothing the document does not declare, and everything it requires', () => {
    const found = answers.flatMap(({ label, res }) => departures(res.body, declared(label, res.status), label));
    expect(found).toEqual([]);
    // The checks reach into the nested parts: results with evidence, returns, approval, cancellation, changes, progress rows.
    const task = answers.find((a) => a.label === 'GET /v1/survey-tasks/{taskId}')!.res.body;
    expect(task).toMatchObject({ state: 'approved', results: [{ evidence: [{}] }, {}], returns: [{}], approval: {} });
    expect(task.personChangedSinceIssue).toBeDefined();
  });

  it('finds an undeclared property when there is one (the check can fail)', () => {
    const list = answers.find((a) => a.label === 'GET /v1/survey-tasks')!.res.body;
    const tampered = { ...list, items: [{ ...list.items[0], citizenId: 'x' }] };
    expect(departures(tampered, declared('GET /v1/survey-tasks', 200), 'list')).toEqual(['list.items[0].citizenId: not declared']);
    const task = answers.find((a) => a.label === 'GET /v1/survey-tasks/{taskId}')!.res.body;
    const [result, ...rest] = task.results;
    const withBytes = { ...task, results: [{ ...result, evidence: [{ ...result.evidence[0], content: 'JVBERi0=' }] }, ...rest] };
    expect(departures(withBytes, declared('GET /v1/survey-tasks/{taskId}', 200), 'task')).toEqual([
      'task.results[0].evidence[0].content: not declared',
    ]);
  });
});
