import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import express from 'express';
import request from 'supertest';
import type { Logger } from 'pino';
import { canonicalJson, ROLES, sha256Hex, UnauthenticatedError, type Principal } from '@eucora/core';
import { correlationMiddleware } from '../http/correlation';
import { createErrorHandler } from '../http/problem';
import type { ArtifactService } from '../services/artifact.service';
import type { CabService } from '../services/cab.service';
import type { DeviceService } from '../services/device.service';
import type { ExceptionService } from '../services/exception.service';
import type { AuditService } from '../services/audit.service';
import type { TokenService } from '../services/token.service';
import { devicesRouter } from './devices.router';
import { governanceRouter } from './governance.router';
import { intentsRouter, type IntentRoutesService } from './intents.router';
import { sampleIntent } from '../testing/sample-intent';

// Routers with stubbed services: what reaches a service is validated and typed, and what is refused never reaches one.

const principal: Principal = { tenantId: randomUUID(), tokenId: randomUUID(), actor: 'alice', roles: [...ROLES] };
const tokens = {
  async authenticate(bearer: string | undefined) {
    if (bearer !== 'good') throw new UnauthenticatedError();
    return principal;
  },
};
const silent = { error() {}, warn() {}, info() {} } as unknown as Logger;
const ID = '00000000-0000-4000-8000-000000000001';

/** Records every call; `result` is what each stubbed method resolves to. */
function recorder<T extends object>(result: (method: string, args: unknown[]) => unknown): { service: T; calls: [string, unknown[]][] } {
  const calls: [string, unknown[]][] = [];
  const service = new Proxy({} as T, {
    get:
      (_t, method: string) =>
      async (...args: unknown[]) => {
        calls.push([method, args]);
        return result(method, args);
      },
  });
  return { service, calls };
}

function appWith(mount: (app: express.Express) => void): express.Express {
  const app = express();
  app.use(correlationMiddleware);
  app.use(express.json());
  mount(app);
  app.use(createErrorHandler(silent));
  return app;
}

const body = sampleIntent({ title: '  Roll out 7-Zip 24.08  ' });

function assertProblem(res: request.Response, paths: string[]): void {
  assert.equal(res.status, 400, JSON.stringify(res.body));
  assert.match(res.headers['content-type'] ?? '', /^application\/problem\+json/);
  assert.equal(res.body.type, 'https://eucora.dev/problems/invalid-input');
  assert.deepEqual(
    res.body.errors.map((e: { path: string }) => e.path),
    paths,
  );
}

describe('intents router over a stubbed IntentService', () => {
  const intent = { id: ID, state: 'running' };
  const answers: Record<string, unknown> = { create: { intent, replayed: true }, list: { items: [] } };
  const stub = () => recorder<IntentRoutesService>((m) => answers[m] ?? intent);
  const mount = (intents: IntentRoutesService) =>
    appWith((app) => app.use('/api/v1', intentsRouter(tokens, intents, {} as ArtifactService)));
  const auth = { Authorization: 'Bearer good' };

  it('refuses a missing or malformed Idempotency-Key and an invalid body at their problem paths, never calling the service', async () => {
    const { service, calls } = stub();
    const app = mount(service);
    assertProblem(await request(app).post('/api/v1/deployment-intents').set(auth).send(body), ['header.Idempotency-Key']);
    const badKey = await request(app).post('/api/v1/deployment-intents').set(auth).set('Idempotency-Key', 'short').send(body);
    assertProblem(badKey, ['header.Idempotency-Key']);
    assert.equal(badKey.body.detail, 'Invalid Idempotency-Key header');
    // The key is checked before the body.
    assertProblem(await request(app).post('/api/v1/deployment-intents').set(auth).send({}), ['header.Idempotency-Key']);
    const badBody = await request(app)
      .post('/api/v1/deployment-intents')
      .set(auth)
      .set('Idempotency-Key', 'key-00001')
      .send({ ...body, plane: 'nope' });
    assertProblem(badBody, ['plane']);
    assert.match(badBody.body.detail, /^Invalid deployment intent: plane:/);
    assert.equal((await request(app).post('/api/v1/deployment-intents').send(body)).status, 401);
    assert.equal(calls.length, 0);
  });

  it('passes the parsed spec, the key and the hash of the body as sent, and answers 201 with Location and the replay header', async () => {
    const { service, calls } = stub();
    const res = await request(mount(service))
      .post('/api/v1/deployment-intents')
      .set(auth)
      .set('Idempotency-Key', 'key-00001')
      .set('X-Correlation-Id', 'corr-1')
      .send(body);
    assert.equal(res.status, 201);
    assert.equal(res.headers.location, `/api/v1/deployment-intents/${ID}`);
    assert.equal(res.headers['idempotent-replayed'], 'true');
    assert.equal(calls.length, 1);
    const [method, [who, input, correlationId]] = calls[0]! as [string, [Principal, Record<string, unknown>, string]];
    assert.equal(method, 'create');
    assert.deepEqual(who, principal);
    assert.equal(correlationId, 'corr-1');
    assert.equal(input.idempotencyKey, 'key-00001');
    assert.equal(input.requestHash, sha256Hex(canonicalJson(body)));
    assert.equal((input.spec as { title: string }).title, 'Roll out 7-Zip 24.08', 'the spec is the parsed (trimmed) one');
  });

  it('maps list queries to typed filters and refuses bad ones at their parameter', async () => {
    const { service, calls } = stub();
    const app = mount(service);
    assertProblem(await request(app).get('/api/v1/deployment-intents?limit=0').set(auth), ['limit']);
    assertProblem(await request(app).get('/api/v1/deployment-intents?cursor=nope').set(auth), ['cursor']);
    assertProblem(await request(app).get('/api/v1/deployment-intents?state=bogus').set(auth), ['state']);
    assert.equal(calls.length, 0);
    assert.equal((await request(app).get('/api/v1/deployment-intents').set(auth)).status, 200);
    assert.equal((await request(app).get(`/api/v1/deployment-intents?state=submitted&limit=5&cursor=${ID}`).set(auth)).status, 200);
    assert.deepEqual(
      calls.map(([m, [, q]]) => [m, q]),
      [
        ['list', { limit: 50 }],
        ['list', { state: 'submitted', limit: 5, cursor: ID }],
      ],
    );
  });

  it('checks ids and signal bodies (body first) before any call, then passes id and reason', async () => {
    const { service, calls } = stub();
    const app = mount(service);
    assertProblem(await request(app).get('/api/v1/deployment-intents/not-a-uuid').set(auth), ['id']);
    assertProblem(await request(app).get('/api/v1/deployment-intents/not-a-uuid/events').set(auth), ['id']);
    assertProblem(await request(app).post('/api/v1/deployment-intents/not-a-uuid/cancel').set(auth).send({ reason: 7 }), ['reason']);
    assertProblem(await request(app).post('/api/v1/deployment-intents/not-a-uuid/rollback').set(auth).send({}), ['id']);
    assert.equal(calls.length, 0);
    const res = await request(app).post(`/api/v1/deployment-intents/${ID}/rollback`).set(auth).send({ reason: '  broke ring 1 ' });
    assert.equal(res.status, 202);
    assert.deepEqual(res.body, { id: ID, state: 'running', requested: 'rollback' });
    assert.deepEqual(calls[0]![1].slice(1, 4), [ID, 'rollback', 'broke ring 1']);
  });
});

describe('devices router over a stubbed DeviceService', () => {
  const auth = { Authorization: 'Bearer good' };
  it('decodes the opaque cursor into a typed keyset, encodes the next one, and refuses a forged cursor', async () => {
    const { service, calls } = recorder<DeviceService>(() => ({ items: [], next: { plane: 'jamf', deviceKey: 'mac-7' } }));
    const app = appWith((a) => a.use('/api/v1', devicesRouter(tokens, service)));
    assertProblem(await request(app).get('/api/v1/devices?cursor=bm90LWpzb24').set(auth), ['cursor']);
    assertProblem(await request(app).get('/api/v1/deployment-intents/x/devices?ring=1').set(auth), ['id']);
    assertProblem(await request(app).get(`/api/v1/deployment-intents/${ID}/devices?ring=100`).set(auth), ['ring']);
    assert.equal(calls.length, 0);
    const first = await request(app).get('/api/v1/devices?includeStale=true').set(auth);
    assert.equal(first.status, 200);
    const second = await request(app).get(`/api/v1/devices?cursor=${first.body.nextCursor}&platform=macos`).set(auth);
    assert.equal(second.status, 200);
    assert.deepEqual(
      calls.map(([, [, q]]) => q),
      [
        { plane: undefined, group: undefined, platform: undefined, includeStale: true, after: undefined, limit: 100 },
        {
          plane: undefined,
          group: undefined,
          platform: 'macos',
          includeStale: false,
          after: { plane: 'jamf', deviceKey: 'mac-7' },
          limit: 100,
        },
      ],
    );
  });
});

describe('governance router (CAB, exceptions) over stubbed services', () => {
  const auth = { Authorization: 'Bearer good' };
  it('refuses bad decision bodies before bad ids, and passes typed decisions and filters', async () => {
    const cab = recorder<CabService>(() => ({ items: [], nextCursor: null }));
    const exceptions = recorder<ExceptionService>(() => ({ id: ID }));
    const app = appWith((a) =>
      a.use('/api/v1', governanceRouter(tokens as TokenService, cab.service, exceptions.service, {} as AuditService)),
    );
    assertProblem(await request(app).post('/api/v1/cab/items/x/approve').set(auth).send({ evidenceHash: 'abc' }), ['evidenceHash']);
    const validReject = { evidenceHash: 'a'.repeat(64), comment: 'no' };
    const rejectBadId = await request(app).post('/api/v1/cab/items/x/reject').set(auth).send(validReject);
    assertProblem(rejectBadId, ['id']);
    assertProblem(await request(app).get('/api/v1/cab/items?status=open').set(auth), ['status']);
    assertProblem(await request(app).post('/api/v1/exceptions/x/approve').set(auth).send({ comment: 1 }), ['comment']);
    assertProblem(await request(app).get('/api/v1/exceptions/x').set(auth), ['id']);
    const partial = await request(app).post('/api/v1/exceptions').set(auth).send({ packageName: 'x' });
    assertProblem(partial, ['findingIds', 'compensatingControls', 'justification', 'expiresAt']);
    assert.equal(cab.calls.length + exceptions.calls.length, 0);

    await request(app).get('/api/v1/cab/items?status=all').set(auth).expect(200);
    await request(app).get('/api/v1/cab/items').set(auth).expect(200);
    await request(app)
      .post(`/api/v1/cab/items/${ID}/approve`)
      .set(auth)
      .send({ evidenceHash: 'a'.repeat(64) })
      .expect(200);
    assert.deepEqual(
      cab.calls.map(([m, [, ...rest]]) => [m, ...rest]),
      [
        ['list', { status: undefined, cursor: undefined, limit: 50 }],
        ['list', { status: 'pending', cursor: undefined, limit: 50 }],
        ['decide', ID, 'approve', { evidenceHash: 'a'.repeat(64) }],
      ],
    );
    await request(app)
      .post(`/api/v1/exceptions/${ID}/reject`)
      .set(auth)
      .set('X-Correlation-Id', 'corr-9')
      .send({ comment: ' no ' })
      .expect(200);
    assert.deepEqual(
      exceptions.calls.map(([m, [, ...rest]]) => [m, ...rest]),
      [['decide', ID, 'rejected', { comment: 'no' }, 'corr-9']],
    );
  });
});
