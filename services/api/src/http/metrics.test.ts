import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import request from 'supertest';
import { createTestTenant, startTestApi, type TestTenant } from '../test-support/test-stack';

/** Finding 7: `/metrics` is authenticated and its series do not grow with arbitrary URLs. */
describe('/metrics (real PostgreSQL)', () => {
  let api: Awaited<ReturnType<typeof startTestApi>>;
  let tenant: TestTenant;
  let sre: string;
  const METRICS_TOKEN = 'metrics-scraper-token-0123456789abcdef';

  before(async () => {
    api = await startTestApi({ EUCORA_METRICS_TOKEN: METRICS_TOKEN });
    tenant = await createTestTenant(api.ds);
    sre = await tenant.issue(['sre']);
  });
  after(async () => api.close());

  const scrape = (token?: string) => {
    const r = request(api.app).get('/metrics');
    return token ? r.set('Authorization', `Bearer ${token}`) : r;
  };

  it('unauthenticated → 401 without any intent counts; other roles → 403; sre, admin and the metrics token → 200', async () => {
    const anon = await scrape();
    assert.equal(anon.status, 401);
    assert.match(anon.headers['content-type'] ?? '', /problem\+json/);
    assert.ok(!anon.text.includes('eucora_intents'));
    assert.equal((await scrape('wrong-token')).status, 401);
    const rel = await scrape(await tenant.issue(['release_engineer']));
    assert.equal(rel.status, 403);
    assert.ok(!rel.text.includes('eucora_intents'));
    for (const t of [sre, tenant.adminToken, METRICS_TOKEN]) {
      const ok = await scrape(t);
      assert.equal(ok.status, 200);
      assert.match(ok.text, /eucora_intents/);
    }
  });

  it('1,000 random paths (and random ids on real routes) leave the page size unchanged; labels are route templates', async (t) => {
    const auth = { Authorization: `Bearer ${sre}` };
    const hit = async (i: number) => {
      const kinds = [
        () => request(api.app).get(`/${randomBytes(6).toString('hex')}/${i}`),
        () => request(api.app).post(`/api/v1/${randomBytes(4).toString('hex')}?x=${i}`),
        // Unauthenticated under an authenticated prefix: answered 401 by router-level middleware, before any route matched.
        () => request(api.app).get(`/api/v1/cab/${randomBytes(5).toString('hex')}`),
        () => request(api.app).get(`/api/v1/deployment-intents/${randomUUID()}`).set(auth),
        () =>
          request(api.app)
            .get(`/api/v1/deployment-intents/${i}-${randomBytes(3).toString('hex')}`)
            .set(auth),
      ];
      await kinds[i % kinds.length]!();
    };
    for (let i = 0; i < 10; i++) await hit(i); // every kind of series exists before the baseline
    const before = (await scrape(sre)).text;
    for (let i = 0; i < 1000; i++) await hit(i);
    const after = (await scrape(sre)).text;
    // The HTTP series (names + labels, values cut) are exactly the same; only counters and sums grew.
    const series = (text: string) =>
      text
        .split('\n')
        .filter((l) => l.startsWith('eucora_http_request_duration_seconds'))
        .map((l) => l.replace(/ [^ ]+$/, ''));
    assert.deepEqual(series(after), series(before), 'no new HTTP series');
    t.diagnostic(`/metrics ${before.length} → ${after.length} bytes after 1,000 random paths (${series(after).length} HTTP lines)`);
    // Today's code grew ~1.7 KB per random path; a few KB here are longer numbers and process metrics.
    assert.ok(after.length - before.length < 4096, `size ${before.length} → ${after.length}`);
    assert.match(after, /route="unmatched"/);
    assert.match(after, /route="\/api\/v1\/deployment-intents\/:id"/);
    assert.ok(!/route="[^"]*[0-9a-f]{8}-[0-9a-f]{4}/.test(after), 'no ids in labels');
  });
});
