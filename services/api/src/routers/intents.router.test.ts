import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { createTestTenant, sampleIntent, startTestApi, type TestTenant } from '../test-support/test-stack';

describe('deployment intents API: validation, idempotency, tenancy (real PostgreSQL + Temporal)', () => {
  let api: Awaited<ReturnType<typeof startTestApi>>;
  let a: TestTenant;
  let b: TestTenant;
  let relA: string;
  let relB: string;

  before(async () => {
    // A queue no worker polls: these tests only need workflows to be accepted by the real Temporal server.
    api = await startTestApi({ TEMPORAL_TASK_QUEUE: `router-test-${randomUUID()}`, MAX_BODY_BYTES: '4096' });
    a = await createTestTenant(api.ds);
    b = await createTestTenant(api.ds);
    relA = await a.issue(['release_engineer']);
    relB = await b.issue(['release_engineer']);
  });
  after(async () => api.close());

  const post = (token: string, key: string | null, body: unknown) => {
    const req = request(api.app).post('/api/v1/deployment-intents').set('Authorization', `Bearer ${token}`);
    if (key) req.set('Idempotency-Key', key);
    return req.send(body as object);
  };
  const count = async (tenantId: string) =>
    Number((await api.ds.query('SELECT count(*) FROM deployment_intents WHERE tenant_id = $1', [tenantId]))[0].count);

  it('creates an intent, starts its workflow on the real Temporal server and echoes the correlation id', async () => {
    const res = await post(relA, `k-${randomUUID()}`, sampleIntent()).set('X-Correlation-Id', 'corr-create-1');
    assert.equal(res.status, 201);
    assert.equal(res.headers['x-correlation-id'], 'corr-create-1');
    assert.equal(res.body.state, 'submitted');
    assert.equal(res.body.correlationId, 'corr-create-1');
    assert.equal(res.body.workflowStarted, true);
    assert.equal(res.body.workflowId, `intent-${a.tenantId}-${res.body.id}`);
    assert.equal(res.headers.location, `/api/v1/deployment-intents/${res.body.id}`);
  });

  it('same key and body → the same intent; same key, other body → 409; nothing extra stored', async () => {
    const key = `k-${randomUUID()}`;
    const first = await post(relA, key, sampleIntent());
    const before = await count(a.tenantId);
    const second = await post(relA, key, sampleIntent());
    assert.equal(second.status, 201);
    assert.equal(second.body.id, first.body.id);
    assert.equal(second.headers['idempotent-replayed'], 'true');
    const conflict = await post(relA, key, sampleIntent({ title: 'Something else entirely' }));
    assert.equal(conflict.status, 409);
    assert.equal(conflict.headers['content-type'], 'application/problem+json; charset=utf-8');
    assert.equal(await count(a.tenantId), before);
  });

  it('concurrent requests with one key create exactly one intent', async () => {
    const key = `k-${randomUUID()}`;
    const results = await Promise.all(Array.from({ length: 8 }, () => post(relA, key, sampleIntent())));
    const ids = new Set(results.map((r) => r.body.id));
    assert.deepEqual(
      results.map((r) => r.status),
      Array(8).fill(201),
    );
    assert.equal(ids.size, 1);
    const rows = await api.ds.query('SELECT count(*) FROM idempotency_keys WHERE tenant_id = $1 AND key = $2', [a.tenantId, key]);
    assert.equal(Number(rows[0].count), 1);
  });

  it('the same key in another tenant is independent', async () => {
    const key = `k-${randomUUID()}`;
    const ra = await post(relA, key, sampleIntent());
    const rb = await post(relB, key, sampleIntent({ title: 'Tenant B rollout' }));
    assert.equal(ra.status, 201);
    assert.equal(rb.status, 201);
    assert.notEqual(ra.body.id, rb.body.id);
  });

  it("a token of tenant A reading tenant B's intent gets 404", async () => {
    const created = await post(relB, `k-${randomUUID()}`, sampleIntent());
    const own = await request(api.app).get(`/api/v1/deployment-intents/${created.body.id}`).set('Authorization', `Bearer ${relB}`);
    assert.equal(own.status, 200);
    const foreign = await request(api.app).get(`/api/v1/deployment-intents/${created.body.id}`).set('Authorization', `Bearer ${relA}`);
    assert.equal(foreign.status, 404);
    assert.ok(!JSON.stringify(foreign.body).includes(created.body.title));
  });

  it('malformed input → 400 problem+json naming the field, and nothing stored', async () => {
    const before = await count(a.tenantId);
    const bad = sampleIntent();
    (bad.artifact as Record<string, unknown>).sha256 = 'not-a-hash';
    const res = await post(relA, `k-${randomUUID()}`, bad);
    assert.equal(res.status, 400);
    assert.equal(res.headers['content-type'], 'application/problem+json; charset=utf-8');
    assert.equal(res.body.errors[0].path, 'artifact.sha256');
    assert.match(res.body.detail, /artifact\.sha256/);
    const unknownField = await post(relA, `k-${randomUUID()}`, sampleIntent({ colour: 'blue' }));
    assert.equal(unknownField.status, 400);
    const missing = await post(relA, `k-${randomUUID()}`, { ...sampleIntent(), plane: undefined });
    assert.equal(missing.body.errors[0].path, 'plane');
    assert.equal(await count(a.tenantId), before);
  });

  it('requires an Idempotency-Key on create', async () => {
    const res = await post(relA, null, sampleIntent());
    assert.equal(res.status, 400);
    assert.equal(res.body.errors[0].path, 'header.Idempotency-Key');
  });

  it('malformed JSON → 400, oversized body → 413, unknown route → 404, bad id → 400, all problem+json without internals', async () => {
    const malformed = await request(api.app)
      .post('/api/v1/deployment-intents')
      .set('Authorization', `Bearer ${relA}`)
      .set('Idempotency-Key', `k-${randomUUID()}`)
      .set('Content-Type', 'application/json')
      .send('{"title": ');
    assert.equal(malformed.status, 400);
    assert.equal(malformed.body.title, 'Malformed JSON');

    const huge = await post(relA, `k-${randomUUID()}`, sampleIntent({ title: 'x'.repeat(10_000) }));
    assert.equal(huge.status, 413);
    assert.equal(huge.headers['content-type'], 'application/problem+json; charset=utf-8');

    const unknown = await request(api.app).get('/api/v1/nope');
    assert.equal(unknown.status, 404);
    assert.equal(unknown.headers['content-type'], 'application/problem+json; charset=utf-8');

    const badId = await request(api.app).get('/api/v1/deployment-intents/not-a-uuid').set('Authorization', `Bearer ${relA}`);
    assert.equal(badId.status, 400);
    assert.equal(badId.body.errors[0].path, 'id');

    for (const r of [malformed, huge, unknown, badId]) {
      const text = JSON.stringify(r.body);
      assert.ok(!/at .*\.js:\d+|\/work\/|SELECT |node_modules/.test(text), `no internals in ${text}`);
      assert.ok(r.body.correlation_id, 'problem carries the correlation id');
    }
  });

  it('logs carry correlation_id, tenant_id, service and version, and never the token', async () => {
    await post(relA, `k-${randomUUID()}`, sampleIntent()).set('X-Correlation-Id', 'corr-log-check');
    const line = api.logs.lines.map((l) => JSON.parse(l)).find((l) => l.correlation_id === 'corr-log-check');
    assert.ok(line, 'request was logged');
    assert.equal(line.tenant_id, a.tenantId);
    assert.equal(line.service, 'api');
    assert.match(line.version, /^\d+\.\d+\.\d+/);
    const secret = relA.split('.')[2]!;
    assert.ok(!api.logs.lines.some((l) => l.includes(secret)), 'token secret never logged');
  });
});
