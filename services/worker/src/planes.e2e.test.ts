import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AwxSimulator, JamfSimulator, LandscapeSimulator, SccmSimulator, type SimServer } from '@eucora/agent-sim';
import { sampleIntent } from '@eucora/api/dist/test-support/test-stack';
import { startHarness, types, type Harness } from './test-support/lifecycle-harness';
import { configurePlanes, type ConfigurablePlaneSims } from './test-support/plane-connectors';

/** Every non-Intune plane end to end: configured per tenant through the API, deployed ring by ring by the workflow. */
describe('Jamf, SCCM, Landscape and AWX through the full lifecycle', () => {
  let h: Harness;
  const fleet = { size: 300, labSize: 5 };
  const configurable: ConfigurablePlaneSims = {
    jamf: new JamfSimulator(fleet),
    sccm: new SccmSimulator(fleet),
    landscape: new LandscapeSimulator(fleet),
    awx: new AwxSimulator(fleet),
  };
  const sims: Record<string, SimServer> = { ...configurable };
  const urls: Record<string, string> = {};

  before(async () => {
    for (const [plane, sim] of Object.entries(sims)) {
      sim.engine.config.installDurationMs = 100;
      urls[plane] = await sim.listen(0);
    }
    h = await startHarness({ installDurationMs: 50, allowUrls: Object.values(urls) });
    await h.startWorker();
    // The harness uploads each intent's installer to the artifact store; the Jamf connector uploads those bytes itself.
    await configurePlanes(h, configurable, urls as Record<keyof ConfigurablePlaneSims, string>);
  });
  after(async () => {
    await h.close();
    for (const sim of Object.values(sims)) await sim.close();
  });

  it('each plane completes all four rings, every ring deployed once', async () => {
    const submitted = await Promise.all(
      Object.keys(sims).map(async (plane) => ({
        plane,
        ...(await h.submit({
          title: `${plane} rollout`,
          plane,
          artifact: { ...(sampleIntent().artifact as object), name: `${plane}-pkg` },
        })),
      })),
    );
    for (const s of submitted) {
      const done = await h.waitForState(s.id, ['completed', 'failed', 'rolled_back', 'blocked'], 120_000);
      assert.equal(done.body.state, 'completed', `${s.plane}: ${JSON.stringify(done.body.timeline.at(-1))}`);
      const t = types(done);
      assert.equal(t.filter((x) => x === 'ring.promoted').length, 4, s.plane);
      const deployed = done.body.timeline.filter((e: { type: string }) => e.type === 'ring.deployed');
      assert.ok(
        deployed.every((e: { data: { outcome: string } }) => e.data.outcome === 'deployed'),
        `${s.plane}: nothing adopted on a clean run`,
      );
    }
    const stats = Object.fromEntries(Object.entries(sims).map(([p, sim]) => [p, sim.getStats()]));
    assert.equal((stats.awx as unknown as { launches: number }).launches, 4, 'AWX: one job per ring');
    assert.equal((stats.landscape as unknown as { executions: number }).executions, 4, 'Landscape: one execution per ring');
    assert.equal((stats.jamf as unknown as { policies: number }).policies, 4, 'Jamf: one policy per ring');
    assert.equal((stats.sccm as unknown as { assignments: number }).assignments, 4, 'SCCM: one deployment per ring');
  });
});
