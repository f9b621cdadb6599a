import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import request from 'supertest';
import { createTestTenant, startTestApi, type TestTenant } from '../test-support/test-stack';

describe('admin tokens and RBAC (real PostgreSQL)', () => {
  let api: Awaited<ReturnType<typeof startTestApi>>;
  let tenant: TestTenant;

  before(async () => {
    api = await startTestApi();
    tenant = await createTestTenant(api.ds);
  });
  after(async () => api.close());

  const auth = (t: string) => ({ Authorization: `Bearer ${t}` });

  it('issues a token that works, is listed without its secret and is stored only as a hash', async () => {
    const res = await request(api.app)
      .post('/api/v1/admin/tokens')
      .set(auth(tenant.adminToken))
      .send({ name: 'ci bot', roles: ['release_engineer'] });
    assert.equal(res.status, 201);
    assert.match(res.body.token, /^eucora\.[0-9a-f-]{36}\.[A-Za-z0-9_-]{43}$/);
    const secret = res.body.token.split('.')[2];

    const list = await request(api.app).get('/api/v1/admin/tokens').set(auth(tenant.adminToken));
    assert.equal(list.status, 200);
    assert.ok(list.body.items.some((t: { id: string }) => t.id === res.body.id));
    assert.ok(!JSON.stringify(list.body).includes(secret), 'list must not reveal secrets');

    const rows = await api.ds.query('SELECT secret_hash FROM api_tokens WHERE id = $1', [res.body.id]);
    assert.equal(rows.length, 1);
    assert.notEqual(rows[0].secret_hash, secret);
    assert.match(rows[0].secret_hash, /^[a-f0-9]{64}$/);

    // The new token authenticates: a release engineer may read intents (404 for an unknown id, not 401/403).
    const read = await request(api.app).get('/api/v1/deployment-intents/00000000-0000-4000-8000-000000000000').set(auth(res.body.token));
    assert.equal(read.status, 404);
  });

  it('a disabled token gets 401', async () => {
    const token = await tenant.issue(['release_engineer']);
    const id = token.split('.')[1];
    const probe = () => request(api.app).get('/api/v1/deployment-intents/00000000-0000-4000-8000-000000000000').set(auth(token));
    assert.equal((await probe()).status, 404);
    const dis = await request(api.app).post(`/api/v1/admin/tokens/${id}/disable`).set(auth(tenant.adminToken));
    assert.equal(dis.status, 200);
    assert.equal(dis.body.active, false);
    const after = await probe();
    assert.equal(after.status, 401);
    assert.equal(after.headers['content-type'], 'application/problem+json; charset=utf-8');
    assert.equal(after.body.status, 401);
  });

  it('rotation: the old token fails, the new one works with the same roles', async () => {
    const token = await tenant.issue(['auditor'], 'auditor-1');
    const id = token.split('.')[1];
    const rot = await request(api.app).post(`/api/v1/admin/tokens/${id}/rotate`).set(auth(tenant.adminToken));
    assert.equal(rot.status, 201);
    assert.deepEqual(rot.body.roles, ['auditor']);
    assert.notEqual(rot.body.token, token);
    const probe = (t: string) => request(api.app).get('/api/v1/deployment-intents/00000000-0000-4000-8000-000000000000').set(auth(t));
    assert.equal((await probe(token)).status, 401);
    assert.equal((await probe(rot.body.token)).status, 404);
    const again = await request(api.app).post(`/api/v1/admin/tokens/${id}/rotate`).set(auth(tenant.adminToken));
    assert.equal(again.status, 404, 'a rotated token cannot be rotated twice');
  });

  it('rejects missing, malformed and forged tokens with 401 problem+json', async () => {
    const path = '/api/v1/admin/tokens';
    assert.equal((await request(api.app).get(path)).status, 401);
    assert.equal((await request(api.app).get(path).set({ Authorization: 'Bearer nope' })).status, 401);
    const [prefix, id] = tenant.adminToken.split('.');
    const forged = `${prefix}.${id}.${'A'.repeat(43)}`;
    const res = await request(api.app).get(path).set(auth(forged));
    assert.equal(res.status, 401);
    assert.equal(res.headers['www-authenticate'], 'Bearer realm="eucora"');
  });

  it('a role without the permission gets 403', async () => {
    const rel = await tenant.issue(['release_engineer']);
    const res = await request(api.app)
      .post('/api/v1/admin/tokens')
      .set(auth(rel))
      .send({ name: 'x', roles: ['admin'] });
    assert.equal(res.status, 403);
    assert.match(res.body.detail, /tokens:manage/);
    const sre = await tenant.issue(['sre']);
    const create = await request(api.app).post('/api/v1/deployment-intents').set(auth(sre)).set('Idempotency-Key', 'k-12345678').send({});
    assert.equal(create.status, 403);
  });

  it("an admin cannot touch another tenant's tokens", async () => {
    const other = await createTestTenant(api.ds);
    const foreign = (await other.issue(['auditor'])).split('.')[1];
    const res = await request(api.app).post(`/api/v1/admin/tokens/${foreign}/disable`).set(auth(tenant.adminToken));
    assert.equal(res.status, 404);
    const list = await request(api.app).get('/api/v1/admin/tokens').set(auth(tenant.adminToken));
    assert.ok(!list.body.items.some((t: { id: string }) => t.id === foreign));
  });

  it('names the offending field of a bad token request', async () => {
    const res = await request(api.app)
      .post('/api/v1/admin/tokens')
      .set(auth(tenant.adminToken))
      .send({ name: 'x', roles: ['pilot'] });
    assert.equal(res.status, 400);
    assert.equal(res.body.errors[0].path, 'roles.0');
  });
});
