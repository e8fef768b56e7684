/**
 * Fixtures for the access matrix's operations rows: department files imported from two
 * regions, link reviews put straight into the read store, and the OpenAPI route check.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { Response } from 'supertest';
import { READ_STORE, ReadStore } from '@registry/read-store';
import { LINK_REVIEWS, LinkReviewDoc } from '../../apps/registry/src/comparison/comparison-run';
import { ImportService } from '../../apps/registry/src/imports/import.service';
import { bearer, TestApp } from './app';
import { newCitizen } from './citizens';
import { HOUSEHOLD_HEADER, householdRow, writeCsv } from './imports-files';

let recordSeq = 0;

/**
 * A household file (公安户籍 layout, UTF-8) of two valid persons in `township` and one row
 * without a name: imported rows, plus one quarantined row the rejections download shows.
 * The missing name is not an ID fault, so no comparison run tries to link the row.
 */
export function writeHouseholdFile(dir: string, name: string, county: string, township: string): string {
  const path = join(dir, name);
  const person = (personName: string) => ({
    recordId: `AM${String(++recordSeq).padStart(6, '0')}`,
    citizen: newCitizen(county),
    name: personName,
    region: township,
  });
  const rows = [householdRow(person('甲某')), householdRow(person('乙某')), householdRow(person('丙某'), { 姓名: '' })];
  writeCsv(path, HOUSEHOLD_HEADER, rows, 'utf-8');
  return path;
}

/** A household file of one row without a citizen ID in `township`: after a comparison run, that township's identity check. */
export function writeIdLessHouseholdFile(dir: string, name: string, township: string): string {
  const path = join(dir, name);
  const person = {
    recordId: `AM${String(++recordSeq).padStart(6, '0')}`,
    citizen: newCitizen(township.slice(0, 6)),
    name: '无证某',
    region: township,
  };
  writeCsv(path, HOUSEHOLD_HEADER, [householdRow(person, { 公民身份号码: '' })], 'utf-8');
  return path;
}

/** POST /v1/imports with the file; when accepted, waits until the import has finished, so no cell runs beside one. */
export async function uploadImport(t: TestApp, token: string, path: string): Promise<Response> {
  const res = await t
    .http()
    .post('/v1/imports')
    .set(bearer(token))
    .field('source', 'household-registration')
    .attach('file', path, { filename: path.split('/').pop()! });
  if (res.status === 202) await t.app.get(ImportService).waitFor(res.body.importId);
  return res;
}

let reviewSeq = 0;

/** A review id of the form the service gives them: the quarantined row's `importId:rowNumber`. */
export function newReviewId(): string {
  return `imp_${randomBytes(12).toString('hex')}:${++reviewSeq}`;
}

export interface ReviewCandidate {
  personId: string;
  region: string;
}

/** Puts a pending possible link into the read store's `link_reviews`, as a comparison run would. */
export async function seedReview(t: TestApp, candidates: ReviewCandidate[], createdAt = new Date().toISOString()): Promise<string> {
  const id = newReviewId();
  const [importId, row] = id.split(':');
  const doc: LinkReviewDoc = {
    _id: id,
    recordRef: id,
    importId,
    rowNumber: Number(row),
    source: 'household-registration',
    state: 'pending',
    runId: 'run_00000000-0000-4000-8000-000000000000',
    createdAt,
    regions: candidates.map((c) => c.region),
    candidates: candidates.map((c) => ({
      personId: c.personId,
      score: 0.82,
      fields: { name: { level: 'exact', weight: 4.1 }, birthDate: { level: 'exact', weight: 5.2 } },
    })),
  };
  await t.app.get<ReadStore>(READ_STORE).collection<LinkReviewDoc>(LINK_REVIEWS).upsert(doc);
  return id;
}

/** Every method and path of the OpenAPI document, as `GET /v1/persons/{personId}`. */
export function documentedRoutes(doc: { paths: Record<string, Record<string, unknown>> }): string[] {
  return Object.entries(doc.paths)
    .flatMap(([path, methods]) => Object.keys(methods).map((m) => `${m.toUpperCase()} ${path}`))
    .sort();
}

/**
 * Whether a matrix row (`POST /v1/persons/:id/enrollments/110/suspension`, `GET /v1/persons?region`)
 * calls this documented route (`POST /v1/persons/{personId}/enrollments/{insuranceType}/{transition}`):
 * the same method, and the row's path (without its query) fills the route's parameters.
 */
export function rowCallsRoute(row: string, route: string): boolean {
  const [rowMethod, rowTarget] = row.split(' ');
  const [routeMethod, routePath] = route.split(' ');
  if (rowMethod !== routeMethod) return false;
  const rowPath = rowTarget.split('?')[0];
  const pattern = new RegExp(
    `^${routePath
      .split(/\{[^}]+\}/)
      .map((part) => part.replace(/[.*+?^$()|[\]\\]/g, '\\$&'))
      .join('[^/]+')}$`,
  );
  return pattern.test(rowPath);
}
