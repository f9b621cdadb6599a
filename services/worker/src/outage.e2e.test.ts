import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import request from 'supertest';
import { sampleIntent } from '@eucora/api/dist/test-support/test-stack';
import { type Harness, types, useHarness } from './test-support/lifecycle-harness';

const OUTAGE_MS = Number(process.env.EUCORA_OUTAGE_MS ?? 120_000);

/** A 2-minute Intune outage in the middle of a ring, with the default breaker and retry settings. */
describe('plane outage mid-ring: the rollout waits, then completes, without duplicates or a retry storm', () => {
  let h: Harness;
  useHarness({ installDurationMs: 1500 }, (started) => (h = started));

  it(`survives a ${OUTAGE_MS / 1000} s outage`, { timeout: OUTAGE_MS + 180_000 }, async () => {
    const { id } = await h.submit({ title: 'Outage test', artifact: { ...(sampleIntent().artifact as object), name: 'OutagePkg' } });
    await h.waitForEvent(id, 'ring.promoted');
    h.sim.faults.outage = true;
    const before = h.sim.getStats().requests;
    await new Promise((r) => setTimeout(r, OUTAGE_MS));
    const during = h.sim.getStats().requests - before;
    const health = await request(h.api.app).get('/api/v1/health');
    const metrics = await request(h.api.app)
      .get('/metrics')
      .set('Authorization', `Bearer ${await h.tenant.issue(['sre'])}`);
    h.sim.faults.outage = false;

    const done = await h.waitForState(id, ['completed', 'failed', 'rolled_back'], 240_000);
    assert.equal(done.body.state, 'completed', JSON.stringify(types(done)));
    const t = types(done);
    assert.equal(t.filter((x) => x === 'ring.deployed').length, 4);
    const appId = done.body.timeline.find((e: { type: string }) => e.type === 'ring.deployed').data.objectIds.appId;
    const adds = Object.entries(h.sim.getStats().requiredAssignmentAdds).filter(([k]) => k.startsWith(appId));
    assert.equal(adds.length, 4);
    assert.ok(
      adds.every(([, n]) => n === 1),
      'no duplicate assignment',
    );
    // Without the breaker and capped backoff, 2 minutes of 4-attempt retries every few seconds would be hundreds of calls.
    assert.ok(during <= 40, `requests during the outage: ${during}`);
    assert.equal(health.body.connectors?.intune?.open, 1, JSON.stringify(health.body));
    assert.match(metrics.text, /eucora_connector_breakers\{plane="intune",state="open"\} 1/);
    assert.match(metrics.text, /eucora_connector_breaker_transitions\{plane="intune"\} [1-9]/);
    console.log(
      `outage: ${OUTAGE_MS / 1000} s, simulator requests during the outage: ${during}; ` +
        `health during outage: ${JSON.stringify(health.body.connectors)}`,
    );
  });
});
