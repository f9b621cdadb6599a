import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { ringTargetKey } from '@eucora/connectors';
import { IntentRingDeviceRepository } from '@eucora/persistence';
import { inventoryWorkflowId, WORKFLOW_TYPES, type InventorySyncRun } from '@eucora/workflows';
import { sampleIntent } from '@eucora/api/dist/test-support/test-stack';
import { type Harness, types, useHarness } from './test-support/lifecycle-harness';

/**
 * Issue 10: re-deploying a ring after `kill -9` of a real worker process leaves exactly one ring object (Entra group) per ring
 * on the plane, holding exactly the ring's frozen members, with one app and one required assignment per ring group.
 */
describe('ring objects survive a worker crash mid-ring', () => {
  let h: Harness;
  let child: ChildProcess | undefined;

  // Slow installs: ring 1 polls for a few seconds, so the kill lands inside it (after its group exists or while it is built).
  useHarness({ installDurationMs: 2500, fleetSize: 600, worker: false }, (started) => (h = started));

  it('after kill -9 and a restart: one group per ring named by its target key, members = frozen ring, one assignment each', async () => {
    child = h.spawnWorkerProcess();
    const settings = { intervalMs: 1000, fullSyncEvery: 3, staleAfterMs: 3_600_000 };
    const run: InventorySyncRun = await h.api.client.workflow.execute(WORKFLOW_TYPES.inventorySync, {
      workflowId: `${inventoryWorkflowId(h.tenant.tenantId, 'intune')}-crash`,
      taskQueue: h.taskQueue,
      args: [{ tenantId: h.tenant.tenantId, plane: 'intune', settings, runsLeft: 1, run: 0 }],
    });
    assert.equal(run.devices, h.sim.inventory.counts().total, 'the whole fleet synced');

    const { id } = await h.submit({ title: 'Ring object crash', artifact: { ...(sampleIntent().artifact as object), name: 'RingCrash' } });
    await h.waitForEvent(id, 'ring.deployed', 120_000);
    // Slow plane calls (ring 0 is still polling) so that ring 1's deploy spans seconds; kill as soon as its group exists,
    // before the deploy finished: the restarted worker re-runs the deploy against a half-built ring object.
    h.sim.faults.latencyMs = 300;
    const key1 = ringTargetKey(id, 1);
    for (let i = 0; i < 1500 && h.sim.ringGroups.store.byName(key1).length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    child.kill('SIGKILL');
    const groupsAtKill = h.sim.ringGroups.store.all().length;
    const ring1AtKill = h.sim.ringGroups.store.byName(key1).map((g) => g.members.size);
    await new Promise((r) => child!.once('exit', r));
    const atKill = await h.get(id);
    assert.notEqual(atKill.body.state, 'completed', 'killed before the end');
    assert.equal(ring1AtKill.length, 1, 'ring 1 group created before the kill');
    assert.equal(types(atKill).filter((x) => x === 'ring.deployed').length, 1, "killed inside ring 1's deploy");
    h.sim.faults.latencyMs = 0;
    const requestsAtKill = h.sim.getStats().requests;

    child = h.spawnWorkerProcess();
    const done = await h.waitForState(id, ['completed', 'failed', 'rolled_back'], 180_000);
    assert.equal(done.body.state, 'completed', JSON.stringify(types(done)));
    assert.equal(types(done).filter((x) => x === 'ring.deployed').length, 4, 'four rings deployed');

    const rows = await new IntentRingDeviceRepository(h.api.ds).all(h.tenant.tenantId, id);
    const stats = h.sim.getStats();
    const ring = h.sim.ringGroups.store.stats();
    const apps = Object.entries(stats.appsByDisplayName).filter(([name]) => name.includes(id));
    assert.deepEqual(
      apps.map(([, n]) => n),
      [1],
      'one app object',
    );
    const appId = done.body.timeline.find((e: { type: string }) => e.type === 'ring.deployed').data.objectIds.appId as string;
    const keys = [0, 1, 2, 3].map((i) => ringTargetKey(id, i));
    const groups = h.sim.ringGroups.store.all();
    // Nothing but this intent's ring groups exists, and no name was created twice (a re-create after the crash would show 2).
    assert.deepEqual(groups.map((g) => g.name).sort(), [...keys].sort(), 'exactly one group per ring, no strays');
    for (const k of keys) assert.equal(ring.ringObjectsCreatedByName[k], 1, `${k} created once`);
    const sizes: number[] = [];
    for (const [i, k] of keys.entries()) {
      const [g] = h.sim.ringGroups.store.byName(k);
      const frozen = rows
        .filter((r) => r.ringIndex === i)
        .map((r) => r.directoryId)
        .sort();
      assert.ok(frozen.length > 0, `ring ${i} has frozen members`);
      assert.deepEqual([...g!.members].sort(), frozen, `ring ${i} group members = its frozen members`);
      assert.equal(stats.requiredAssignmentAdds[`${appId}:${g!.id}`], 1, `ring ${i} group assigned once`);
      sizes.push(frozen.length);
    }
    const adds = Object.entries(stats.requiredAssignmentAdds).filter(([k]) => k.startsWith(`${appId}:`));
    assert.equal(adds.length, 4, `four required assignments: ${JSON.stringify(adds)}`);
    // Each member was added once: the PATCH after the restart skipped members already in the group.
    assert.equal(ring.ringMemberAdds, rows.length, 'every frozen member added exactly once');
    assert.equal(ring.ringMemberRemoves, 0);
    assert.equal(new Set(rows.map((r) => r.deviceKey)).size, rows.length, 'no device in two rings');
    console.log(
      `# ring-object-crash: synced ${run.devices} devices; events at kill ${types(atKill).length}, after ${types(done).length}; ` +
        `groups at kill ${groupsAtKill} (ring 1 members at kill ${ring1AtKill.join(',') || 'none'}), after ${groups.length}; ` +
        `members ${sizes.join('/')} (= ${rows.length} frozen, ` +
        `${ring.ringMemberAdds} adds); sim requests at kill ${requestsAtKill}, total ${stats.requests}`,
    );
  });
});
