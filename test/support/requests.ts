/** Request bodies and response checks shared by the e2e suites. */
import type { Response } from 'supertest';
import { bearer, TestApp } from './app';
import { PLACES, TestCitizen } from './citizens';

export function registrationBody(citizen: TestCitizen, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    source: 'household-registration',
    sourceRecordId: `HR-${citizen.id.slice(6, 17)}`,
    citizenId: citizen.id,
    name: '测试',
    gender: citizen.gender,
    birthDate: citizen.birthDate,
    householdRegion: PLACES.nanshan.township,
    householdStatus: 'active',
    ...overrides,
  };
}

/** The forms of a citizen ID that must never be stored or logged in clear. */
export function personalForms(citizen: TestCitizen): string[] {
  return [citizen.id, citizen.id15];
}

/** An RFC 9457 answer with this status and stable code. */
export function expectProblem(res: Response, status: number, code: string): void {
  expect({ status: res.status, code: res.body?.code }).toEqual({ status, code });
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(res.body).toMatchObject({ status, type: expect.stringMatching(/^urn:registry:problem:/), title: expect.any(String) });
}

export interface ListedPerson {
  personId: string;
  [key: string]: unknown;
}

/** Every page of GET /v1/persons for these filters. */
export async function listAll(t: TestApp, token: string, query: Record<string, string> = {}): Promise<ListedPerson[]> {
  const out: ListedPerson[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < 50; page++) {
    const res = await t
      .http()
      .get('/v1/persons')
      .query({ ...query, limit: '500', ...(cursor ? { cursor } : {}) })
      .set(bearer(token));
    expect(res.status).toBe(200);
    out.push(...res.body.items);
    cursor = res.body.nextCursor;
    if (!cursor) return out;
  }
  throw new Error('listAll: too many pages');
}
