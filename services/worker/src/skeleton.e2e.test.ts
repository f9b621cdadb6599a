import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import net from 'node:net';
import request from 'supertest';
import { Client, Connection } from '@temporalio/client';
import type { Worker } from '@temporalio/worker';
import type { NativeConnection } from '@temporalio/worker';
import { intentStateQuery } from '@eucora/workflows';
import { createTestTenant, eventually, sampleIntent, startTestApi, type TestTenant } from '@eucora/api/dist/test-support/test-stack';
import { createLogger } from '@eucora/runtime';
import { createIntentWorker } from './worker';
import { installTemporalLogging } from './temporal-logging';

/** API → PostgreSQL → Temporal → worker → PostgreSQL, all real. */
describe('walking skeleton: an intent reaches `assessed` through the real Temporal server', () => {
  const taskQueue = `skeleton-e2e-${randomUUID()}`;
  let api: Awaited<ReturnType<typeof startTestApi>>;
  let worker: Worker;
  let connection: NativeConnection;
  let running: Promise<void>;
  let tenant: TestTenant;
  let rel: string;

  before(async () => {
    installTemporalLogging(createLogger({ service: 'worker', level: process.env.LOG_LEVEL ?? 'silent' }), 'warn');
    api = await startTestApi({ TEMPORAL_TASK_QUEUE: taskQueue });
    ({ worker, connection } = await createIntentWorker({ config: api.config, ds: api.ds, taskQueue }));
    running = worker.run();
    tenant = await createTestTenant(api.ds);
    rel = await tenant.issue(['release_engineer'], 'alice');
  });
  after(async () => {
    worker.shutdown();
    await running;
    await connection.close();
    await api.close();
  });

  const get = (id: string) => request(api.app).get(`/api/v1/deployment-intents/${id}`).set('Authorization', `Bearer ${rel}`);

  it('records intent.submitted and intent.assessed, once each, with a verifiable chain', async () => {
    const created = await request(api.app)
      .post('/api/v1/deployment-intents')
      .set('Authorization', `Bearer ${rel}`)
      .set('Idempotency-Key', `k-${randomUUID()}`)
      .set('X-Correlation-Id', 'corr-e2e-1')
      .send(sampleIntent());
    assert.equal(created.status, 201);
    const id = created.body.id as string;

    const done = await eventually(async () => {
      const r = await get(id);
      return r.body.state === 'assessed' ? r : null;
    }, 60_000);
    const types = done.body.timeline.map((e: { type: string }) => e.type);
    assert.deepEqual(types, ['intent.submitted', 'intent.assessed']);
    const [submitted, assessed] = done.body.timeline;
    assert.equal(submitted.actor, 'alice');
    assert.equal(assessed.data.plane, 'intune');
    assert.equal(assessed.data.ringCount, 4);
    assert.equal(assessed.data.fromState, 'submitted');
    assert.equal(assessed.data.toState, 'assessed');
    assert.ok(assessed.reason.length > 0);

    // Every event carries the request's correlation id, and the workflow's live state agrees.
    const rows = await api.ds.query('SELECT correlation_id, prev_hash, hash FROM events WHERE aggregate_id = $1 ORDER BY seq', [id]);
    assert.equal(rows.length, 2);
    assert.ok(rows.every((r: { correlation_id: string }) => r.correlation_id === 'corr-e2e-1'));
    const client = new Client({ connection: await Connection.connect({ address: api.config.TEMPORAL_ADDRESS }) });
    const handle = client.workflow.getHandle(created.body.workflowId);
    assert.equal((await handle.query(intentStateQuery)).state, 'assessed');
    const desc = await handle.describe();
    assert.equal(desc.status.name, 'COMPLETED');
    assert.equal((await desc.memo)?.correlationId, 'corr-e2e-1');
    await client.connection.close();
  });

  it('an intent accepted while Temporal is unreachable is kept and started later by the dispatcher', async () => {
    const deadPort = await new Promise<number>((resolve) => {
      const s = net.createServer().listen(0, '127.0.0.1', () => {
        const { port } = s.address() as net.AddressInfo;
        s.close(() => resolve(port));
      });
    });
    const cut = await startTestApi({ TEMPORAL_ADDRESS: `127.0.0.1:${deadPort}`, TEMPORAL_TASK_QUEUE: taskQueue });
    let id: string;
    try {
      const res = await request(cut.app)
        .post('/api/v1/deployment-intents')
        .set('Authorization', `Bearer ${rel}`)
        .set('Idempotency-Key', `k-${randomUUID()}`)
        .send(sampleIntent({ title: 'Accepted during a Temporal outage' }));
      assert.equal(res.status, 201);
      assert.equal(res.body.workflowStarted, false);
      assert.equal(res.body.state, 'submitted');
      id = res.body.id;
    } finally {
      await cut.close();
    }
    // The healthy API's dispatcher picks it up once it is older than the grace period.
    await eventually(async () => (await api.dispatcher.sweep()) > 0 || (await get(id)).body.workflowStarted, 20_000, 500);
    const done = await eventually(async () => {
      const r = await get(id);
      return r.body.state === 'assessed' ? r : null;
    }, 60_000);
    assert.deepEqual(done.body.timeline.map((e: { type: string }) => e.type), ['intent.submitted', 'intent.assessed']);
  });
});
