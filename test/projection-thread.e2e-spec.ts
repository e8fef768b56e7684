/**
 * Where the projection workers run on the embedded default: in a thread of their own
 * (PROJECTION_THREAD=on, the default on a multi-core machine) or in the main thread (off).
 * Either way a registration reaches the read models, the runner reports its status, and
 * the application shuts down cleanly.
 */
import { ProjectionsService } from '../apps/registry/src/projections/projections.service';
import { newCitizen } from './support/citizens';
import { registrationBody } from './support/requests';
import { bearer, startApp } from './support/app';

jest.setTimeout(60_000);

describe.each(['on', 'off'] as const)('PROJECTION_THREAD=%s', (setting) => {
  it('builds the read models from what the main thread appends, and reports the runner status', async () => {
    const t = await startApp({ PROJECTION_THREAD: setting });
    try {
      const projections = t.app.get(ProjectionsService);
      expect(projections.threaded).toBe(setting === 'on');
      expect(projections.running).toBe(true);

      const hr = t.token({ role: 'service-client', sub: 'hr-system', region: '44', source: 'household-registration' });
      const admin = t.token({ role: 'province-admin', sub: 'thread-admin', region: '44' });
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) {
        const res = await t.http().post('/v1/persons/registrations').set(bearer(hr)).send(registrationBody(newCitizen()));
        expect(res.status).toBe(200);
        ids.push(res.body.personId);
      }
      await t.caughtUp();
      const list = await t.http().get('/v1/persons').query({ limit: 50 }).set(bearer(admin)).expect(200);
      expect(list.body.items.map((p: { personId: string }) => p.personId)).toEqual(expect.arrayContaining(ids));
      const counts = await t.http().get('/v1/reports/region-counts').query({ region: '44' }).set(bearer(admin)).expect(200);
      expect(JSON.stringify(counts.body)).toContain('"total":5');

      // The status comes from wherever the runner works: the thread posts it every 250 ms.
      await new Promise((r) => setTimeout(r, 400));
      const [persons] = projections.status();
      expect(persons).toMatchObject({ name: 'persons', leaseHeld: true, state: 'live', lag: 0 });
      const health = await t.http().get('/health').expect(200);
      expect(JSON.stringify(health.body)).toContain('persons');
    } finally {
      await t.close();
    }
  });
});
