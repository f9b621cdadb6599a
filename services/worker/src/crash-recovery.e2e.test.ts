import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { sampleIntent } from '@eucora/api/dist/test-support/test-stack';
import { type Harness, killHard, types, useHarness } from './test-support/lifecycle-harness';

/** `kill -9` of a real worker process in the middle of a ring, then a restart. */
describe('crash recovery: the worker is killed mid-ring', () => {
  let h: Harness;
  let child: ChildProcess | undefined;

  // Slow installs: each ring polls for a few seconds, so the kill lands inside a ring.
  useHarness({ installDurationMs: 2500, worker: false }, (started) => (h = started));

  it('completes after a restart, every ring deployed exactly once on the simulator, no duplicate events', async () => {
    child = h.spawnWorkerProcess();
    const { id } = await h.submit({ title: 'Crash test', artifact: { ...(sampleIntent().artifact as object), name: 'CrashTest' } });
    const mid = await h.waitForEvent(id, 'ring.promoted');
    // Ring 0 promoted; ring 1 is about to deploy or polling. Kill without any chance to clean up.
    await new Promise((r) => setTimeout(r, 600));
    await killHard(child);
    const atKill = types(await h.get(id));
    assert.notEqual((await h.get(id)).body.state, 'completed', 'killed before the end');

    child = h.spawnWorkerProcess();
    const done = await h.waitForState(id, ['completed', 'failed', 'rolled_back'], 120_000);
    assert.equal(done.body.state, 'completed', JSON.stringify(types(done)));
    const t = types(done);
    // Every event type per ring exactly once (dedupe keys survive the crash).
    for (const type of ['intent.submitted', 'intent.assessed', 'intent.rollout_started', 'intent.completed'])
      assert.equal(t.filter((x) => x === type).length, 1, type);
    assert.equal(t.filter((x) => x === 'ring.deployed').length, 4);
    assert.equal(t.filter((x) => x === 'ring.promoted').length, 4);
    const rows = await h.api.ds.query('SELECT count(*)::int AS n, count(DISTINCT hash)::int AS d FROM events WHERE aggregate_id = $1', [
      id,
    ]);
    assert.equal(rows[0].n, rows[0].d);

    const stats = h.sim.getStats();
    const apps = Object.entries(stats.appsByDisplayName).filter(([name]) => name.includes(id));
    assert.deepEqual(
      apps.map(([, n]) => n),
      [1],
      'one app object',
    );
    const appId = done.body.timeline.find((e: { type: string }) => e.type === 'ring.deployed').data.objectIds.appId;
    const adds = Object.entries(stats.requiredAssignmentAdds).filter(([k]) => k.startsWith(appId));
    assert.equal(adds.length, 4, 'four ring assignments');
    assert.ok(
      adds.every(([, n]) => n === 1),
      `each ring assigned once: ${JSON.stringify(adds)}`,
    );
    assert.ok(atKill.length < t.length && mid.body.state !== 'completed');
    console.log(`crash-recovery: events at kill ${atKill.length}, after restart ${t.length}; sim requests ${stats.requests}`);
  });
});
