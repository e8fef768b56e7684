/** The built pages as the service serves them: files, the single-page fallback, caching, and a clear answer when they are not built. */
import express from 'express';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import supertest from 'supertest';
import { servePageApps } from '../apps/registry/src/console/static-pages';

describe('pages at /console and /h5', () => {
  const dist = mkdtempSync(join(tmpdir(), 'pages-'));
  const app = express();
  beforeAll(() => {
    for (const name of ['console', 'h5']) {
      mkdirSync(join(dist, name, 'assets'), { recursive: true });
      writeFileSync(join(dist, name, 'index.html'), `<!doctype html><title>${name}</title>`);
      writeFileSync(join(dist, name, 'assets', 'index-abc123.js'), `console.log('${name}')`);
    }
    servePageApps(app, dist);
    app.get('/v1/ping', (_req, res) => res.json({ api: true }));
  });
  afterAll(() => rmSync(dist, { recursive: true, force: true }));

  it('answers a deep link with the app’s page, never cached, and the hashed assets cached for a year', async () => {
    const deep = await supertest(app).get('/console/persons/p_abc?asOf=2024-05-01').expect(200);
    expect(deep.text).toContain('<title>console</title>');
    expect(deep.headers['cache-control']).toBe('no-cache');
    const asset = await supertest(app).get('/h5/assets/index-abc123.js').expect(200);
    expect(asset.text).toContain("console.log('h5')");
    expect(asset.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    const h5 = await supertest(app).get('/h5/').expect(200);
    expect(h5.text).toContain('<title>h5</title>');
  });

  it('redirects the bare mount to its folder form, keeps 404 for a missing asset, and leaves the API alone', async () => {
    const bare = await supertest(app).get('/console?x=1').expect(301);
    expect(bare.headers.location).toBe('/console/?x=1');
    await supertest(app).get('/console/assets/gone-000000.js').expect(404);
    await supertest(app).get('/console/favicon.ico').expect(404);
    await supertest(app).get('/v1/ping').expect(200, { api: true });
    await supertest(app).post('/console/login').expect(404);
  });

  it('says how to build the pages when they are missing', async () => {
    const bare = express();
    servePageApps(bare, join(dist, 'nowhere'));
    const res = await supertest(bare).get('/console/').expect(503);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(JSON.parse(res.text)).toMatchObject({ code: 'PAGES_NOT_BUILT', detail: expect.stringContaining('npm run build') });
  });
});
