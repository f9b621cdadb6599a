import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import net from 'node:net';
import request from 'supertest';
import { sampleIntent, startTestApi } from '@eucora/api/dist/test-support/test-stack';
import { eventually, type Harness, types, useHarness } from './test-support/lifecycle-harness';

function deadPort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

describe('nothing lost: an intent accepted while Temporal is unreachable', () => {
  let h: Harness;
  useHarness({ installDurationMs: 50 }, (started) => (h = started));

  it('is stored, reported as not started, and started later by the dispatcher; it then completes', async () => {
    const cut = await startTestApi({ ...h.env, TEMPORAL_ADDRESS: `127.0.0.1:${await deadPort()}` });
    let id: string;
    try {
      // The bytes Intune will upload (the artifact store needs no Temporal).
      const up = await request(cut.app)
        .post('/api/v1/artifacts')
        .set('Authorization', `Bearer ${h.rel}`)
        .set('Content-Type', 'application/octet-stream')
        .send(Buffer.from('MZ outage installer'));
      assert.equal(up.status, 201);
      const artifact = {
        ...(sampleIntent().artifact as object),
        sha256: up.body.sha256,
        sizeBytes: up.body.sizeBytes,
        checkId: up.body.id,
      };
      const res = await request(cut.app)
        .post('/api/v1/deployment-intents')
        .set('Authorization', `Bearer ${h.rel}`)
        .set('Idempotency-Key', `k-${randomUUID()}`)
        .send(sampleIntent({ title: 'Accepted during a Temporal outage', artifact }));
      assert.equal(res.status, 201);
      assert.equal(res.body.workflowStarted, false);
      assert.equal(res.body.state, 'submitted');
      id = res.body.id;
    } finally {
      await cut.close();
    }
    // The healthy API's dispatcher picks it up once it is older than the grace period.
    await eventually(async () => (await h.api.dispatcher.sweep()) > 0 || (await h.get(id)).body.workflowStarted, 20_000, 500);
    const done = await h.waitForState(id, ['completed', 'failed', 'rolled_back']);
    assert.equal(done.body.state, 'completed');
    assert.equal(types(done)[0], 'intent.submitted');
    assert.equal(types(done).filter((t) => t === 'intent.submitted').length, 1);
  });
});
