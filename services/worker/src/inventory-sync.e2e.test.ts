import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AwxSimulator, JamfSimulator, LandscapeSimulator, SccmSimulator } from '@eucora/agent-sim';
import { DeviceRepository } from '@eucora/persistence';
import { inventoryWorkflowId, WORKFLOW_TYPES, type InventorySyncInput, type InventorySyncRun } from '@eucora/workflows';
import { ensureInventorySyncs, inventorySettings } from './inventory-scheduler';
import { startHarness, type Harness } from './test-support/lifecycle-harness';
import { configurePlanes, type PlaneSim } from './test-support/plane-connectors';

/**
 * Inventory sync with the real stack: the workflow on a real worker and Temporal, devices in PostgreSQL, each plane's
 * simulator over HTTP. Full sync, an incremental re-sync after a few changes, stale marking after a device leaves.
 */
describe('inventory sync workflow per plane', () => {
  let h: Harness;
  const fleet = { size: 1500, labSize: 10 };
  const sims: Record<string, PlaneSim> = {};
  let repo: DeviceRepository;
  const settings = { intervalMs: 1000, fullSyncEvery: 3, staleAfterMs: 0 };

  let runs = 0;
  // One workflow id per run: these tests drive single runs; the canonical per-plane id is the scheduler test's.
  const sync = async (plane: string, extra: Partial<InventorySyncInput> = {}): Promise<InventorySyncRun> =>
    h.api.client.workflow.execute(WORKFLOW_TYPES.inventorySync, {
      workflowId: `${inventoryWorkflowId(h.tenant.tenantId, plane)}-run${++runs}`,
      taskQueue: h.taskQueue,
      args: [{ tenantId: h.tenant.tenantId, plane, settings, runsLeft: 1, ...extra }],
    });

  before(async () => {
    const jamf = new JamfSimulator(fleet);
    const sccm = new SccmSimulator(fleet);
    const landscape = new LandscapeSimulator(fleet);
    const awx = new AwxSimulator(fleet);
    const urls = { jamf: await jamf.listen(0), sccm: await sccm.listen(0), landscape: await landscape.listen(0), awx: await awx.listen(0) };
    // The simulators are on loopback, which the outbound-URL guard refuses unless the operator allows it.
    h = await startHarness({ fleetSize: fleet.size, allowUrls: Object.values(urls) });
    sims.intune = h.sim;
    Object.assign(sims, { jamf, sccm, landscape, awx });
    await configurePlanes(h, { jamf, sccm, landscape, awx }, urls);
    repo = new DeviceRepository(h.api.ds);
    await h.startWorker();
  });
  after(async () => {
    await h.close();
    for (const [plane, sim] of Object.entries(sims)) if (plane !== 'intune') await sim.close();
  });

  for (const plane of ['intune', 'jamf', 'sccm', 'landscape', 'awx']) {
    it(`${plane}: full sync = simulator counts; an incremental re-sync reads only changes; a departed device turns stale`, async () => {
      const sim = sims[plane]!;
      const before0 = sim.getStats().requests;
      const full = await sync(plane);
      assert.equal(full.full, true);
      // The readers count inventory reads; the plane also saw the connector's one token request (Landscape signs instead).
      const seen = sim.getStats().requests - before0;
      assert.ok(seen === full.requests || seen === full.requests + 1, `plane saw ${seen}, workflow counted ${full.requests}`);
      const counts = await repo.counts(h.tenant.tenantId, plane);
      assert.deepEqual(counts.byPlatform, sim.inventory.counts().byPlatform, 'inventory = simulator, per platform');
      assert.equal(counts.stale, 0);

      // Groups as synced: the department group of the simulator and of the inventory hold the same devices.
      const dept = await repo.page(h.tenant.tenantId, { plane, group: 'dept-finance', limit: 5000 });
      assert.equal(dept.devices.length, sim.inventory.members('dept-finance').length);
      assert.ok(dept.devices.length > 0);

      // A few devices check in with a new OS version and a new group.
      const changed = sim.inventory.devices().slice(1, 4);
      sim.inventory.touch(
        changed.map((d) => d.id),
        { osVersion: '99.0', addGroup: 'dept-moved' },
      );
      const before1 = sim.getStats().requests;
      const incr = await sync(plane, { run: 1, since: full.nextSince });
      const incrRequests = sim.getStats().requests - before1;
      const all = (await repo.page(h.tenant.tenantId, { plane, limit: 5000 })).devices;
      const names = new Set(changed.map((d) => d.name));
      assert.deepEqual(
        all
          .filter((d) => d.osVersion?.includes('99.0'))
          .map((d) => d.name)
          .sort(),
        [...names].sort(),
        'exactly the changed devices have the new OS',
      );
      if (plane !== 'sccm') {
        // SCCM's groups are its collections, and no collection is named dept-moved.
        const moved = await repo.page(h.tenant.tenantId, { plane, group: 'dept-moved' });
        assert.deepEqual(moved.devices.map((d) => d.name).sort(), [...names].sort(), 'the changed devices carry their new group');
      }
      if (plane === 'intune' || plane === 'jamf' || plane === 'awx') {
        assert.equal(incr.full, false);
        assert.equal(incr.devices, 3, 'incremental: only the changed devices');
        assert.ok(incrRequests <= Math.max(1, full.requests / 2), `incremental requests ${incrRequests} vs full ${full.requests}`);
      } else {
        assert.equal(incr.full, true, `${plane} cannot filter on a change time`);
      }

      // A device leaves the plane: the next full sync marks it stale and keeps it.
      const gone = sim.inventory.devices()[0]!;
      sim.inventory.remove([gone.id]);
      const after = await sync(plane, { run: 3, since: incr.nextSince });
      assert.equal(after.full, true);
      // The run reports what its markStale attempt changed; an attempt retried under load finds the device already stale.
      assert.ok(after.markedStale === 1 || after.markedStale === 0, `markedStale ${after.markedStale}`);
      const final = await repo.counts(h.tenant.tenantId, plane);
      assert.equal(final.stale, 1);
      assert.equal(final.total, sim.inventory.counts().total + 1, 'stale, never deleted');
      const live = await repo.page(h.tenant.tenantId, { plane, limit: 5000 });
      assert.equal(live.devices.length, sim.inventory.counts().total);
      assert.ok(!live.devices.some((d) => d.name === gone.name));
    });
  }

  it('a run longer than pagesPerExecution continues as new and resumes at its cursor', async () => {
    const handle = await h.api.client.workflow.start(WORKFLOW_TYPES.inventorySync, {
      workflowId: `${inventoryWorkflowId(h.tenant.tenantId, 'intune')}-can`,
      taskQueue: h.taskQueue,
      args: [{ tenantId: h.tenant.tenantId, plane: 'intune', settings: { ...settings, pagesPerExecution: 1 }, runsLeft: 1 }],
    });
    const run = await handle.result();
    const pages = Math.ceil(sims.intune!.inventory.counts().total / 1000);
    assert.ok(pages >= 2, 'the fleet needs more than one page');
    assert.equal(run.pages, pages, 'every page read once across executions');
    assert.equal(run.devices, sims.intune!.inventory.counts().total);
    const first = await h.api.client.workflow.getHandle(handle.workflowId, handle.firstExecutionRunId).describe();
    assert.equal(first.status.name, 'CONTINUED_AS_NEW');
  });

  it('the worker starts one sync per tenant and configured plane, and a second start is a no-op', async () => {
    const config = { ...h.api.config, INVENTORY_SYNC_INTERVAL_MS: 3_600_000 };
    const first = await ensureInventorySyncs({ client: h.api.client, ds: h.api.ds, config, taskQueue: h.taskQueue });
    const mine = first.filter((id) => id.includes(h.tenant.tenantId)).sort();
    // The four planes configured for the tenant, and the process-wide Intune of the harness (INTUNE_*).
    assert.deepEqual(
      mine,
      ['awx', 'intune', 'jamf', 'landscape', 'sccm'].map((p) => inventoryWorkflowId(h.tenant.tenantId, p)),
    );
    const runIds = await Promise.all(mine.map(async (id) => (await h.api.client.workflow.getHandle(id).describe()).runId));
    await ensureInventorySyncs({ client: h.api.client, ds: h.api.ds, config, taskQueue: h.taskQueue });
    const again = await Promise.all(mine.map(async (id) => (await h.api.client.workflow.getHandle(id).describe()).runId));
    assert.deepEqual(again, runIds, 'same executions, none started twice');
    assert.equal(inventorySettings(config).intervalMs, 3_600_000);
    // Other tests' tenants in the shared database got syncs too: end them all.
    for (const id of first)
      await h.api.client.workflow
        .getHandle(id)
        .terminate('test done')
        .catch(() => undefined);
  });
});
