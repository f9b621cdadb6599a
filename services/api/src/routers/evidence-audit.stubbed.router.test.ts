import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import pino from 'pino';
import request from 'supertest';
import { UnauthenticatedError, type Principal } from '@eucora/core';
import { createApp, type AppDeps } from '../app';
import type { AuditEventFilter } from '../services/audit.service';

// Unit tier: the real app and routers over stubbed services, so what is asserted is the HTTP mapping alone: a bad query or
// path parameter is a problem+json 400 naming the parameter, and the service is never called.

const principal: Principal = { tenantId: randomUUID(), tokenId: randomUUID(), actor: 'auditor', roles: ['auditor'] };
const TOKEN = 'stub-token';

function stubbedApp() {
  const calls: { method: string; args: unknown[] }[] = [];
  const record =
    (method: string, answer: unknown) =>
    async (...args: unknown[]) => {
      calls.push({ method, args: args.slice(1) });
      return answer;
    };
  const tokens = {
    authenticate: async (bearer: string) => {
      if (bearer !== TOKEN) throw new UnauthenticatedError();
      return principal;
    },
  };
  const evidence = {
    publishedKeys: () => ({ keys: [] }),
    list: record('evidence.list', { items: [] }),
    get: record('evidence.get', { id: 'stub' }),
    content: record('evidence.content', { bytes: Buffer.from('{}'), sha256: 'a'.repeat(64) }),
    verify: record('evidence.verify', { ok: true, checks: [] }),
  };
  const audit = {
    query: record('audit.query', { items: [], nextCursor: null }),
    verify: record('audit.verify', { ok: true }),
  };
  const deps = { logger: pino({ level: 'silent' }), tokens, evidence, audit, maxBodyBytes: 1_000_000 } as unknown as AppDeps;
  return { app: createApp(deps), calls };
}

const get = (app: ReturnType<typeof stubbedApp>['app'], url: string) => request(app).get(url).set('Authorization', `Bearer ${TOKEN}`);

function assertInvalid(res: request.Response, path: string): void {
  assert.equal(res.status, 400, res.text);
  assert.match(res.headers['content-type'] ?? '', /^application\/problem\+json/);
  assert.equal(res.body.type, 'https://eucora.dev/problems/invalid-input');
  assert.ok(
    res.body.errors?.some((e: { path: string }) => e.path === path),
    JSON.stringify(res.body.errors),
  );
}

describe('evidence and audit routes over stubbed services', () => {
  it('evidence-packs: ?intent missing, not a UUID or repeated → 400 at intent; a bad :id → 400 at id; no service call', async () => {
    const { app, calls } = stubbedApp();
    for (const q of ['', '?intent=nope', `?intent=${randomUUID()}&intent=${randomUUID()}`]) {
      assertInvalid(await get(app, `/api/v1/evidence-packs${q}`), 'intent');
    }
    for (const tail of ['', '/content', '/verify']) assertInvalid(await get(app, `/api/v1/evidence-packs/not-a-uuid${tail}`), 'id');
    const missing = await get(app, '/api/v1/evidence-packs');
    assert.deepEqual(missing.body.errors, [{ path: 'intent', message: 'is required: the intent id (UUID)' }]);
    assert.equal(missing.body.detail, 'Invalid query');
    const badId = await get(app, '/api/v1/evidence-packs/not-a-uuid');
    assert.deepEqual(badId.body.errors, [{ path: 'id', message: 'must be a UUID' }]);
    assert.deepEqual(calls, []);
  });

  it('evidence-packs: valid parameters reach the service as typed arguments', async () => {
    const { app, calls } = stubbedApp();
    const intent = randomUUID();
    const id = randomUUID();
    assert.equal((await get(app, `/api/v1/evidence-packs?intent=${intent}`)).status, 200);
    assert.equal((await get(app, `/api/v1/evidence-packs/${id}/verify`)).status, 200);
    const content = await get(app, `/api/v1/evidence-packs/${id}/content`);
    assert.equal(content.headers['x-content-sha256'], 'a'.repeat(64));
    assert.deepEqual(calls, [
      { method: 'evidence.list', args: [intent] },
      { method: 'evidence.verify', args: [id] },
      { method: 'evidence.content', args: [id] },
    ]);
  });

  it('audit: bad limit, cursor, time or full → 400 naming the query parameter; no service call', async () => {
    const { app, calls } = stubbedApp();
    assertInvalid(await get(app, '/api/v1/audit/events?limit=0'), 'limit');
    assertInvalid(await get(app, '/api/v1/audit/events?limit=1001'), 'limit');
    assertInvalid(await get(app, '/api/v1/audit/events?cursor=abc'), 'cursor');
    assertInvalid(await get(app, '/api/v1/audit/events?cursor=9223372036854775808'), 'cursor');
    assertInvalid(await get(app, '/api/v1/audit/events?from=yesterday'), 'from');
    assertInvalid(await get(app, '/api/v1/audit/verify?full=yes'), 'full');
    assert.equal((await get(app, '/api/v1/audit/events?unknown=1')).status, 400);
    assert.deepEqual(calls, []);
  });

  it('audit: a valid query becomes a typed filter (default limit, times normalised to UTC) and full a boolean', async () => {
    const { app, calls } = stubbedApp();
    assert.equal((await get(app, '/api/v1/audit/events?type=intent.created&from=2025-01-02T03:04:05%2B02:00&cursor=42')).status, 200);
    assert.equal((await get(app, '/api/v1/audit/verify')).status, 200);
    assert.equal((await get(app, '/api/v1/audit/verify?full=true')).status, 200);
    const filter: AuditEventFilter = { type: 'intent.created', from: '2025-01-02T01:04:05.000Z', to: undefined, cursor: '42', limit: 100 };
    assert.deepEqual(calls, [
      { method: 'audit.query', args: [filter] },
      { method: 'audit.verify', args: [{ full: false }] },
      { method: 'audit.verify', args: [{ full: true }] },
    ]);
  });
});
