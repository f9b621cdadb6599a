import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { createServer, type Server } from 'node:http';
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import express from 'express';
import { isInputError, loadServiceConfig, type Principal } from '@eucora/core';
import { EventRepository, type AppendEvent } from '@eucora/persistence';
import { createTestTenant, sampleIntent, startTestApi, type TestTenant } from '../test-support/test-stack';
import { ExceptionService } from '../services/exception.service';
import { exceptionStores } from '../stores';
import { sampleException } from '../test-support/security-fixtures';
import { createApiServer } from './server';

describe('central intake guard, storable events, pagination and socket limits (real PostgreSQL)', () => {
  let api: Awaited<ReturnType<typeof startTestApi>>;
  let tenant: TestTenant;
  let rel: string;
  let sec: string;
  const auth = (t: string) => ({ Authorization: `Bearer ${t}` });
  const newKey = () => ({ 'Idempotency-Key': `k-${randomUUID()}` });
  const createIntent = () => request(api.app).post('/api/v1/deployment-intents').set(auth(rel)).set(newKey()).send(sampleIntent());
  const eventCount = async (): Promise<number> =>
    (await api.ds.query(`SELECT count(*)::int AS n FROM events WHERE tenant_id = $1`, [tenant.tenantId]))[0].n;

  before(async () => {
    api = await startTestApi();
    tenant = await createTestTenant(api.ds);
    rel = await tenant.issue(['release_engineer'], 'rel');
    sec = await tenant.issue(['security_reviewer', 'change_manager'], 'sec');
  });
  after(async () => api.close());

  it('lone surrogates and NUL are refused everywhere with the field named, and audit verify stays ok', async () => {
    const intent = await createIntent();
    assert.equal(intent.status, 201);
    const before = await eventCount();
    for (const bad of ['\ud800', 'x\udfffy', 'a\u0000b']) {
      const tok = await request(api.app)
        .post('/api/v1/admin/tokens')
        .set(auth(tenant.adminToken))
        .send({ name: `n${bad}`, roles: ['auditor'] });
      assert.equal(tok.status, 400);
      assert.equal(tok.headers['content-type'], 'application/problem+json; charset=utf-8');
      assert.deepEqual(
        tok.body.errors.map((e: { path: string }) => e.path),
        ['name'],
      );
      const cancel = await request(api.app)
        .post(`/api/v1/deployment-intents/${intent.body.id}/cancel`)
        .set(auth(rel))
        .send({ reason: bad });
      assert.equal(cancel.status, 400);
      assert.equal(cancel.body.errors[0].path, 'reason');
      const nested = await request(api.app)
        .post('/api/v1/exceptions')
        .set(auth(rel))
        .send({ ...sampleException(), findingIds: ['CVE-1', `CVE${bad}`] });
      assert.equal(nested.body.errors[0].path, 'findingIds[1]');
    }
    const key = await request(api.app)
      .post('/api/v1/exceptions')
      .set(auth(rel))
      .send({ ...sampleException(), ['x\u0000']: 1 });
    assert.equal(key.status, 400);
    assert.equal(key.body.errors[0].path, 'x\\u0000');
    const seg = await request(api.app).get('/api/v1/deployment-intents/%ED%A0%80').set(auth(rel));
    assert.equal(seg.status, 400);
    assert.equal(seg.body.errors[0].path, 'id');
    const unrouted = await request(api.app).get('/api/v1/nowhere/%00').set(auth(rel));
    assert.equal(unrouted.body.errors[0].path, 'path[4]');
    const q = await request(api.app).get('/api/v1/exceptions?packageName=a%00b').set(auth(rel));
    assert.equal(q.status, 400);
    assert.equal(q.body.errors[0].path, 'query.packageName');
    const after = await eventCount();
    assert.equal(after, before, 'no event was written');
    const auditor = await tenant.issue(['auditor']);
    const verify = await request(api.app).get('/api/v1/audit/verify').set(auth(auditor));
    assert.equal(verify.status, 200);
    assert.equal(verify.body.ok, true, JSON.stringify(verify.body));
  });

  it('a body nested 100,000 levels deep is a 400, not a stack overflow or a 500', async () => {
    const deep = '['.repeat(100_000) + ']'.repeat(100_000);
    const text = JSON.stringify({ ...sampleIntent(), vulnerabilityReport: '@' }).replace('"@"', deep);
    const res = await request(api.app)
      .post('/api/v1/deployment-intents')
      .set(auth(rel))
      .set(newKey())
      .set('Content-Type', 'application/json')
      .send(text);
    assert.equal(res.status, 400);
    assert.match(res.body.detail, /nested deeper than 64 levels/);
  });

  it('the event repository refuses unstorable text itself, so every stored hash covers exactly what is stored', async () => {
    const events = new EventRepository(api.ds);
    const base = { tenantId: tenant.tenantId, aggregateType: 'test', aggregateId: randomUUID(), eventType: 'test.poison' };
    const poisons = [
      ['reason', 'r\u0000'],
      ['actor', '\ud800'],
      ['data', { note: ['ok', 'x\udc00'] }],
    ] as const;
    for (const [field, value] of poisons) {
      const input = { ...base, correlationId: 'c', actor: 'a', reason: 'r', data: {}, [field]: value, dedupeKey: randomUUID() };
      const refused = (err: unknown) => isInputError(err) && err.issues[0]!.path.startsWith(field);
      await assert.rejects(events.append(input as AppendEvent), refused);
    }
    const fine = { ...base, correlationId: 'c', actor: 'a', reason: 'emoji 😀 stays', data: { s: 'ü' }, dedupeKey: randomUUID() };
    // An uncatalogued type on purpose: the repository's own guard is under test, not the catalogue's typing.
    const ok = await events.append(fine as unknown as AppendEvent);
    assert.equal(ok.duplicate, false);
    const auditor = await tenant.issue(['auditor']);
    const verify = await request(api.app).get('/api/v1/audit/verify').set(auth(auditor));
    assert.equal(verify.body.ok, true, JSON.stringify(verify.body));
  });

  it('an exception decision and its audit event commit together: a failing event leaves the exception pending', async () => {
    const created = await request(api.app).post('/api/v1/exceptions').set(auth(rel)).send(sampleException());
    assert.equal(created.status, 201);
    const service = new ExceptionService(exceptionStores(api.ds));
    const principal: Principal = { tenantId: tenant.tenantId, tokenId: randomUUID(), actor: 'reviewer', roles: ['security_reviewer'] };
    // Bypasses HTTP intake on purpose: the UPDATE stores the actor's lone surrogate (as U+FFFD), then the event store refuses it.
    const poisoned = { ...principal, actor: 'rev\ud800' };
    const decision = service.decide(poisoned, created.body.id, 'rejected', { comment: 'no' }, 'c');
    await assert.rejects(decision, (err: unknown) => isInputError(err));
    const row = (await api.ds.query(`SELECT status FROM exceptions WHERE id = $1`, [created.body.id]))[0];
    assert.equal(row.status, 'pending');
    const decided = await service.decide(principal, created.body.id, 'approved', { comment: 'fine' }, 'c');
    assert.equal(decided.status, 'approved');
    const evs = await api.ds.query(`SELECT event_type FROM events WHERE tenant_id = $1 AND aggregate_id = $2 ORDER BY seq`, [
      tenant.tenantId,
      created.body.id,
    ]);
    assert.deepEqual(
      evs.map((e: { event_type: string }) => e.event_type),
      ['exception.requested', 'exception.approved'],
    );
  });

  it('/exceptions pages by cursor, newest first, past any fixed row cap', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await request(api.app)
        .post('/api/v1/exceptions')
        .set(auth(rel))
        .send({ ...sampleException(), packageName: 'Paged' });
      ids.push(res.body.id);
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const url = `/api/v1/exceptions?packageName=Paged&limit=2${cursor ? `&cursor=${cursor}` : ''}`;
      const res: request.Response = await request(api.app).get(url).set(auth(sec));
      assert.equal(res.status, 200);
      assert.ok(res.body.items.length <= 2);
      seen.push(...res.body.items.map((e: { id: string }) => e.id));
      cursor = res.body.nextCursor;
      pages++;
    } while (cursor && pages < 10);
    assert.equal(pages, 3);
    assert.deepEqual(seen, [...ids].reverse(), 'newest first, each exactly once');
    const bad = await request(api.app).get('/api/v1/exceptions?cursor=zzz').set(auth(sec));
    assert.equal(bad.status, 400);
  });

  it('/cab/items pages by cursor, newest request first', async () => {
    const intent = await createIntent();
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const id = randomUUID();
      ids.push(id);
      // One CAB item per intent (unique in the schema); requested_at spaced a minute apart, oldest first.
      const other = i === 0 ? intent.body.id : (await createIntent()).body.id;
      await api.ds.query(
        `INSERT INTO cab_items (id, tenant_id, intent_id, status, risk_score, risk, policy, evidence_pack_id, evidence_hash, quorum,
                                gate_ring, submitted_by, requested_at)
         VALUES ($1, $2, $3, 'pending', 60, '{}', '{}', $4, $5, 1, 2, 'rel', now() - ($6 || ' minutes')::interval)`,
        [id, tenant.tenantId, other, randomUUID(), 'e'.repeat(64), String(10 - i)],
      );
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const url = `/api/v1/cab/items?limit=2${cursor ? `&cursor=${cursor}` : ''}`;
      const res: request.Response = await request(api.app).get(url).set(auth(sec));
      assert.equal(res.status, 200);
      seen.push(...res.body.items.map((e: { id: string }) => e.id));
      cursor = res.body.nextCursor;
      pages++;
    } while (cursor && pages < 10);
    assert.deepEqual(seen, [...ids].reverse(), 'newest request first, each exactly once');
    assert.equal(pages, 3);
  });

  it('a half-sent request is cut off after API_HEADERS_TIMEOUT_MS instead of holding the socket', async () => {
    assert.equal(loadServiceConfig({ ...process.env }).API_HEADERS_TIMEOUT_MS, 15_000);
    assert.equal(loadServiceConfig({ ...process.env }).API_REQUEST_TIMEOUT_MS, 60_000);
    const app = express();
    app.get('/', (_req, res) => void res.send('ok'));
    /** Sends half the headers and waits up to `waitMs` for the server to close; returns what came back, or null if still open. */
    const halfSend = async (server: Server, waitMs: number): Promise<{ reply: string; heldMs: number } | null> => {
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      const { port } = server.address() as { port: number };
      const started = Date.now();
      try {
        return await new Promise((resolve, reject) => {
          const socket = connect(port, '127.0.0.1', () => socket.write('GET / HTTP/1.1\r\nHost: x\r\nX-Slow: '));
          let data = '';
          socket.on('data', (c) => (data += c.toString()));
          socket.on('close', () => resolve({ reply: data, heldMs: Date.now() - started }));
          socket.on('error', reject);
          setTimeout(() => (socket.destroy(), resolve(null)), waitMs).unref();
        });
      } finally {
        server.closeAllConnections();
        await new Promise((r) => server.close(r));
      }
    };
    // Control: node's defaults (what `app.listen` gave) still hold the socket after 2 s.
    assert.equal(await halfSend(createServer(app), 2000), null, 'default server closed early; the control no longer shows the problem');
    const cut = await halfSend(createApiServer(app, { headersTimeoutMs: 400, requestTimeoutMs: 1000 }), 5000);
    assert.ok(cut, 'socket still open after 5 s');
    assert.ok(cut.heldMs < 3000, `socket held ${cut.heldMs} ms`);
    assert.match(cut.reply, /^HTTP\/1\.1 408/);
  });
});
