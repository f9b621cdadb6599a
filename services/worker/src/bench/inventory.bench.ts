// bench:inventory — inventory sync of a 10 000-device plane, for each of the five planes: a full sync through the real
// workflow, worker, Temporal and PostgreSQL against the plane's simulator (time, HTTP requests the plane saw, pages), an
// incremental re-sync after 10 devices changed, and a full sync after 5 devices left (stale marking). Inventory counts
// are checked against the simulator's own counts per platform.
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import {
  AwxSimulator,
  generateFleet,
  IntuneSimulator,
  JamfSimulator,
  LandscapeSimulator,
  PLANE_PLATFORMS,
  SccmSimulator,
} from '@eucora/agent-sim';
import { createTestTenant } from '@eucora/api/dist/test-support/test-stack';
import { PRODUCT_VERSION } from '@eucora/core';
import { DeviceRepository } from '@eucora/persistence';
import { createLogger } from '@eucora/runtime';
import { inventoryWorkflowId, WORKFLOW_TYPES, type InventorySyncInput, type InventorySyncRun } from '@eucora/workflows';
import { installTemporalLogging } from '../temporal-logging';
import { writeReport } from './bench-support';
import { startBenchRuntime } from './bench-runtime';
import { outboundAllow } from '../test-support/lifecycle-harness';
import { connectorBodies, type ConfigurablePlaneSims, type PlaneSim } from '../test-support/plane-connectors';

const DEVICES = Number(process.env.BENCH_INVENTORY_DEVICES ?? 10_000);
const CHANGED = 10;
const REMOVED = 5;
type Plane = keyof typeof PLANE_PLATFORMS;

/** The smallest fleet in which `plane` manages exactly DEVICES devices (the fleet's platform mix is fixed). */
function fleetSizeFor(plane: Plane): number {
  const fleet = generateFleet({ size: DEVICES * 12, labSize: 20 });
  let n = 0;
  for (let i = 0; i < fleet.length; i++) {
    if ((PLANE_PLATFORMS[plane] as readonly string[]).includes(fleet[i]!.platform) && ++n === DEVICES) return i + 1;
  }
  throw new Error(`fleet too small for ${plane}`);
}

async function main(): Promise<void> {
  installTemporalLogging(createLogger({ service: 'bench', level: 'warn' }), 'warn');
  const sizes = Object.fromEntries((Object.keys(PLANE_PLATFORMS) as Plane[]).map((p) => [p, fleetSizeFor(p)])) as Record<Plane, number>;
  const intune = new IntuneSimulator({ size: sizes.intune, labSize: 20 });
  const sims: Record<Plane, PlaneSim> = {
    intune,
    jamf: new JamfSimulator({ size: sizes.jamf, labSize: 20 }),
    sccm: new SccmSimulator({ size: sizes.sccm, labSize: 20 }),
    landscape: new LandscapeSimulator({ size: sizes.landscape, labSize: 20 }),
    awx: new AwxSimulator({ size: sizes.awx, labSize: 20 }),
  };
  const urls = Object.fromEntries(await Promise.all(Object.entries(sims).map(async ([p, s]) => [p, await s.listen(0)]))) as Record<
    Plane,
    string
  >;
  const taskQueue = `bench-inventory-${randomUUID()}`;
  const { api, base, stop } = await startBenchRuntime({
    TEMPORAL_TASK_QUEUE: taskQueue,
    INTUNE_GRAPH_URL: urls.intune,
    INTUNE_CLIENT_ID: intune.clientId,
    INTUNE_CLIENT_SECRET: intune.clientSecret,
    // Tenants configure the other simulators on loopback, which the outbound-URL guard allows only when listed.
    ...outboundAllow(Object.values(urls)),
  });
  const tenant = await createTestTenant(api.ds);
  const configurable = { jamf: sims.jamf, sccm: sims.sccm, landscape: sims.landscape, awx: sims.awx } as ConfigurablePlaneSims;
  const bodies = connectorBodies(configurable, urls);
  for (const [plane, body] of Object.entries(bodies)) {
    const res = await fetch(`${base}/connectors/${plane}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${tenant.adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (res.status !== 200) throw new Error(`configure ${plane}: ${res.status} ${await res.text()}`);
  }
  const repo = new DeviceRepository(api.ds);
  const settings = { intervalMs: 60_000, fullSyncEvery: 3, staleAfterMs: 0 };

  /** One sync run through the workflow; time and the requests the simulator saw. */
  const sync = async (plane: Plane, extra: Partial<InventorySyncInput>) => {
    const before = sims[plane].getStats().requests;
    const t0 = performance.now();
    const run: InventorySyncRun = await api.client.workflow.execute(WORKFLOW_TYPES.inventorySync, {
      workflowId: inventoryWorkflowId(tenant.tenantId, plane),
      taskQueue,
      args: [{ tenantId: tenant.tenantId, plane, settings, runsLeft: 1, ...extra }],
    });
    return { ms: Math.round(performance.now() - t0), requests: sims[plane].getStats().requests - before, run };
  };

  const results: Record<string, unknown>[] = [];
  for (const plane of Object.keys(sims) as Plane[]) {
    const sim = sims[plane];
    const full = await sync(plane, {});
    const afterFull = await repo.counts(tenant.tenantId, plane);
    const simCounts = sim.inventory.counts();
    const sorted = (o: Record<string, number>) => JSON.stringify(Object.entries(o).sort());
    const countsMatch = sorted(afterFull.byPlatform) === sorted(simCounts.byPlatform) && afterFull.stale === 0;

    sim.inventory.touch(
      sim.inventory
        .devices()
        .slice(100, 100 + CHANGED)
        .map((d) => d.id),
      { osVersion: '99.0' },
    );
    const incr = await sync(plane, { run: 1, since: full.run.nextSince });

    sim.inventory.remove(
      sim.inventory
        .devices()
        .slice(0, REMOVED)
        .map((d) => d.id),
    );
    const stale = await sync(plane, { run: 3, since: incr.run.nextSince });
    const afterStale = await repo.counts(tenant.tenantId, plane);
    const staleOk =
      stale.run.markedStale === REMOVED && afterStale.stale === REMOVED && afterStale.total === sim.inventory.counts().total + REMOVED;

    const row = {
      plane,
      fleetSize: sizes[plane],
      devices: simCounts.total,
      byPlatform: simCounts.byPlatform,
      full: {
        ms: full.ms,
        requests: full.requests,
        pages: full.run.pages,
        devicesPerSecond: Math.round((simCounts.total / full.ms) * 1000),
      },
      incremental: { incremental: !incr.run.full, changed: CHANGED, devicesRead: incr.run.devices, ms: incr.ms, requests: incr.requests },
      staleSync: {
        removed: REMOVED,
        markedStale: stale.run.markedStale,
        ms: stale.ms,
        requests: stale.requests,
        keptRows: afterStale.total,
      },
      inventoryEqualsSimulator: countsMatch,
      staleMarkedNotDeleted: staleOk,
    };
    results.push(row);
    const pad = (v: unknown, n: number) => String(v).padStart(n);
    const fullText = `full ${pad(full.ms, 6)} ms ${pad(full.requests, 4)} req ${pad(full.run.pages, 3)} pages`;
    const incrKind = incr.run.full ? 'full' : 'incremental';
    const incrText = `re-sync (${CHANGED} changed) ${incrKind} ${pad(incr.ms, 5)} ms ${pad(incr.requests, 4)} req`;
    const tail = `read ${incr.run.devices} | stale ${stale.run.markedStale}/${REMOVED} | counts ${countsMatch ? 'equal' : 'DIFFER'}`;
    process.stdout.write(`${plane.padEnd(9)} ${pad(simCounts.total, 6)} devices  ${fullText} | ${incrText}, ${tail}\n`);
  }
  const file = writeReport('inventory', {
    product: PRODUCT_VERSION,
    host: { cpus: os.cpus().length, node: process.version },
    devicesPerPlane: DEVICES,
    settings,
    results,
  });
  process.stdout.write(`report: ${file}\n`);
  await stop();
  for (const s of Object.values(sims)) await s.close();
  if (results.some((r) => !r.inventoryEqualsSimulator || !r.staleMarkedNotDeleted)) process.exit(1);
}

main().catch((err) => {
  process.stderr.write(`bench:inventory failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
