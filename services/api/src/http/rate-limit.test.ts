import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import request from 'supertest';
import { createTestTenant, startTestApi, type TestTenant } from '../test-support/test-stack';

/** Finding 6: per-token and per-tenant token buckets answer 429 problem+json with Retry-After and RateLimit headers. */
describe('API rate limits (real PostgreSQL)', () => {
  let api: Awaited<ReturnType<typeof startTestApi>>;
  let tenant: TestTenant;

  before(async () => {
    api = await startTestApi({
      EUCORA_RATE_LIMIT_TOKEN_RPS: '0.5',
      EUCORA_RATE_LIMIT_TOKEN_BURST: '10',
      EUCORA_RATE_LIMIT_TENANT_RPS: '0.5',
      EUCORA_RATE_LIMIT_TENANT_BURST: '15',
    });
    tenant = await createTestTenant(api.ds);
  });
  after(async () => api.close());

  const list = (token: string) => request(api.app).get('/api/v1/deployment-intents').set('Authorization', `Bearer ${token}`);

  it('a burst of 25 parallel requests on one token: 10 pass, the rest get 429 with Retry-After and RateLimit headers', async () => {
    const token = await tenant.issue(['release_engineer']);
    const res = await Promise.all(Array.from({ length: 25 }, () => list(token)));
    const ok = res.filter((r) => r.status === 200);
    const limited = res.filter((r) => r.status === 429);
    assert.equal(ok.length, 10, `statuses ${res.map((r) => r.status).join(',')}`);
    assert.equal(limited.length, 15);
    const r = limited[0]!;
    assert.match(r.headers['content-type'] ?? '', /application\/problem\+json/);
    assert.equal(r.body.status, 429);
    assert.match(r.body.detail, /token/);
    assert.ok(Number(r.headers['retry-after']) >= 1, `Retry-After ${r.headers['retry-after']}`);
    assert.match(r.headers['ratelimit-policy'] ?? '', /"token";q=10;w=20/);
    assert.match(r.headers['ratelimit'] ?? '', /"token";r=0;t=\d+/);
    assert.match(ok[0]!.headers['ratelimit'] ?? '', /"tenant";r=\d+;t=\d+/);
  });

  it("the tenant's bucket is shared by its tokens; another tenant is unaffected; health is exempt", async () => {
    const second = await tenant.issue(['auditor']);
    const res = await Promise.all(Array.from({ length: 10 }, () => list(second)));
    // 15 tenant tokens minus the 10 spent above leaves about 5 (plus a little refill).
    const passed = res.filter((r) => r.status === 200).length;
    assert.ok(passed >= 5 && passed <= 7, `passed ${passed}`);
    const limited = res.find((r) => r.status === 429)!;
    assert.match(limited.body.detail, /tenant/);
    const other = await createTestTenant(api.ds);
    assert.equal((await list(other.adminToken)).status, 200);
    const health = await Promise.all(Array.from({ length: 40 }, () => request(api.app).get('/api/v1/health/live')));
    assert.ok(health.every((h) => h.status !== 429 && h.headers['ratelimit'] === undefined));
  });

  it('failed authentications are limited per client address', async () => {
    const res = [];
    for (let i = 0; i < 14; i++) res.push(await list(`eucora.00000000-0000-4000-8000-00000000000${i % 10}.bogus`));
    assert.ok(
      res.slice(0, 10).every((r) => r.status === 401),
      res.map((r) => r.status).join(','),
    );
    assert.ok(
      res.slice(10).every((r) => r.status === 429),
      res.map((r) => r.status).join(','),
    );
  });
});
