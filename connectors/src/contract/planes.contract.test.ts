import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { BreakerOpenError, ResilientCaller, type BreakerState, type DeployRingRequest, type PlaneConnector } from '../index';
import { isNotAllowedError, isUpstreamUnavailableError, isPermanentDomainError } from '@eucora/core';
import { CASES, request } from '../testing/plane-contract-fixtures';

for (const c of CASES) {
  describe(`${c.plane} connector contract (over HTTP against agent-sim)`, () => {
    const sim = c.sim();
    let url: string;
    before(async () => {
      sim.engine.config.installDurationMs = 60;
      url = await sim.listen(0);
    });
    after(async () => sim.close());
    const clean = () =>
      Object.assign(sim.faults, { outage: false, failNext: 0, failStatus: 503, throttleNext: 0, latencyMs: 0, errorRate: 0 });
    const settle = async (
      conn: PlaneConnector,
      r: DeployRingRequest,
      d: Awaited<ReturnType<PlaneConnector['deployRing']>>,
      baseline: Record<string, number>,
    ) => {
      let counts = await conn.ringStatus({ ...r, deployment: d, baseline });
      for (let i = 0; i < 60 && (counts.pending > 0 || counts.targeted === 0); i++) {
        await new Promise((res) => setTimeout(res, 50));
        counts = await conn.ringStatus({ ...r, deployment: d, baseline });
      }
      return counts;
    };

    it('deploy → per-device status → idempotent re-deploy from fresh connectors → rollback', async () => {
      const t0 = Date.now();
      const conn = c.connector(url, sim, new ResilientCaller(c.plane, { retryInitialMs: 20 }));
      const r = request();
      const baseline = await conn.ringBaseline(r);
      const d = await conn.deployRing(r);
      assert.equal(d.plane, c.plane);
      const counts = await settle(conn, r, d, baseline);
      assert.equal(counts.targeted, 6);
      assert.equal(counts.succeeded, 6);
      assert.equal(counts.failed, 0);
      for (let i = 0; i < 2; i++) {
        const again = await c.connector(url, sim, new ResilientCaller(c.plane)).deployRing(r);
        assert.equal(again.adopted, true);
        assert.deepEqual(again.objectIds, d.objectIds);
      }
      assert.equal(c.objects(sim, r), 1, 'exactly one object on the plane after three deploys');
      await conn.rollbackRing({ ...r, deployment: d });
      // a retried rollback changes nothing more
      await c.connector(url, sim, new ResilientCaller(c.plane)).rollbackRing({ ...r, deployment: d });
      c.afterRollback?.(sim, r);
      process.stdout.write(
        `# ${c.plane}: deploy→status(${counts.succeeded}/${counts.targeted})→3 deploys=${c.objects(sim, r)} object` +
          `→rollback in ${Date.now() - t0} ms\n`,
      );
    });

    it('a failing package shows failed devices', async () => {
      sim.engine.config.failureRules = [{ match: 'Broken', rate: 1 }];
      const conn = c.connector(url, sim, new ResilientCaller(c.plane, { retryInitialMs: 20 }));
      const r = { ...request(), artifact: { ...request().artifact, name: 'BrokenPkg' } };
      const baseline = await conn.ringBaseline(r);
      const counts = await settle(conn, r, await conn.deployRing(r), baseline);
      assert.equal(counts.failed, counts.targeted);
      assert.ok(counts.targeted > 0);
      sim.engine.config.failureRules = [];
    });

    it('a repeated deploy of the same intent and ring converges to one object, also from a fresh client', async () => {
      const r = request();
      const a = await c.connector(url, sim, new ResilientCaller(c.plane)).deployRing(r);
      const b = await c.connector(url, sim, new ResilientCaller(c.plane)).deployRing(r);
      assert.equal(b.adopted, true);
      assert.deepEqual(b.objectIds, a.objectIds);
      assert.equal(c.objects(sim, r), 1);
    });

    it('transient faults (503 twice, then a 429 with Retry-After) are survived', async () => {
      clean();
      const conn = c.connector(url, sim, new ResilientCaller(c.plane, { retryInitialMs: 20, retryMaxMs: 2000 }));
      sim.faults.failNext = 2;
      await conn.deployRing(request());
      sim.faults.throttleNext = 1;
      sim.faults.retryAfterSeconds = 1;
      const t0 = Date.now();
      await conn.deployRing(request());
      assert.ok(Date.now() - t0 >= 950, 'waited for Retry-After');
      clean();
    });

    it('permanent faults fail fast and are not retried', async () => {
      clean();
      const conn = c.connector(url, sim, new ResilientCaller(c.plane, { retryInitialMs: 20 }));
      await conn.deployRing(request()); // authenticate first
      sim.faults.failNext = 1;
      sim.faults.failStatus = 403;
      const before = sim.getStats().requests;
      await assert.rejects(conn.deployRing(request()), (err) => isPermanentDomainError(err));
      assert.equal(sim.getStats().requests - before, 1);
      clean();
    });

    it('wrong credentials fail fast as not allowed, nothing is created, nothing retried', async () => {
      clean();
      const before = sim.getStats().requests;
      const counters = JSON.stringify({ ...sim.getStats(), requests: 0, requestsByRoute: {} });
      await assert.rejects(c.wrong(url, sim, new ResilientCaller(c.plane, { retryInitialMs: 20 })).deployRing(request()), (err) =>
        isNotAllowedError(err),
      );
      assert.ok(sim.getStats().requests - before <= 2, 'at most the auth call and one refresh');
      assert.equal(JSON.stringify({ ...sim.getStats(), requests: 0, requestsByRoute: {} }), counters);
    });

    it('the breaker opens after 5 failures and closes after a successful half-open probe', async () => {
      clean();
      const states: BreakerState[] = [];
      const conn = c.connector(url, sim, new ResilientCaller(c.plane, { retries: 0, resetTimeoutMs: 500 }, (s) => states.push(s)));
      await conn.deployRing(request());
      sim.faults.outage = true;
      for (let i = 0; i < 5; i++) await assert.rejects(conn.deployRing(request()), (err) => isUpstreamUnavailableError(err));
      const before = sim.getStats().requests;
      await assert.rejects(conn.deployRing(request()), (err) => err instanceof BreakerOpenError);
      assert.equal(sim.getStats().requests, before);
      sim.faults.outage = false;
      await new Promise((r) => setTimeout(r, 600));
      await conn.deployRing(request());
      assert.deepEqual(states, ['open', 'half_open', 'closed']);
    });
  });
}
