import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AwxSimulator, IntuneSimulator, JamfSimulator, LandscapeSimulator, SccmSimulator, type FleetInventory } from '@eucora/agent-sim';
import {
  AwxConnector,
  IntuneConnector,
  inventoryFor,
  JamfConnector,
  LandscapeConnector,
  listDevices,
  ResilientCaller,
  SccmConnector,
  type InventoryDevice,
  type PlaneConnector,
  type PlaneInventory,
} from '../index';

/** A plane simulator with its inventory and a connector to it. */
interface Sim {
  inventory: FleetInventory;
  listen(): Promise<string>;
  close(): Promise<void>;
  getStats(): { requests: number };
}

interface Case {
  plane: string;
  sim: () => Sim;
  connector: (url: string, sim: Sim, caller: ResilientCaller) => PlaneConnector;
  /** The plane's device key of a fleet device, to compare what was read with what the simulator holds. */
  key: (sim: Sim, fleetId: string) => string;
  /** Whether the plane's inventory API can filter on a change time. */
  incremental: boolean;
}

const FLEET = { size: 1200, labSize: 10 };
const caller = (plane: string) => new ResilientCaller(plane, { retries: 0, timeoutMs: 10_000 });

const CASES: Case[] = [
  {
    plane: 'intune',
    incremental: true,
    sim: () => new IntuneSimulator(FLEET),
    connector: (url, sim, c) => {
      const s = sim as unknown as IntuneSimulator;
      return new IntuneConnector({
        graphUrl: url,
        authorityUrl: url,
        tenantId: 't',
        clientId: s.clientId,
        clientSecret: s.clientSecret,
        caller: c,
      });
    },
    key: (_sim, id) => intuneKey(id),
  },
  {
    plane: 'jamf',
    incremental: true,
    sim: () => new JamfSimulator(FLEET),
    connector: (url, sim, c) =>
      new JamfConnector({
        baseUrl: url,
        clientId: (sim as unknown as JamfSimulator).clientId,
        clientSecret: (sim as unknown as JamfSimulator).clientSecret,
        caller: c,
      }),
    key: (sim, id) => String(sim.inventory.get(id)!.index + 1),
  },
  {
    plane: 'sccm',
    incremental: false,
    sim: () => new SccmSimulator(FLEET),
    connector: (url, sim, c) =>
      new SccmConnector({
        baseUrl: url,
        username: (sim as unknown as SccmSimulator).username,
        password: (sim as unknown as SccmSimulator).password,
        caller: c,
      }),
    key: (sim, id) => String(16777216 + sim.inventory.get(id)!.index),
  },
  {
    plane: 'landscape',
    incremental: false,
    sim: () => new LandscapeSimulator(FLEET),
    connector: (url, sim, c) =>
      new LandscapeConnector({
        baseUrl: url,
        accessKey: (sim as unknown as LandscapeSimulator).accessKey,
        secretKey: (sim as unknown as LandscapeSimulator).secretKey,
        caller: c,
      }),
    key: (sim, id) => String(sim.inventory.get(id)!.index + 1),
  },
  {
    plane: 'awx',
    incremental: true,
    sim: () => new AwxSimulator(FLEET),
    connector: (url, sim, c) =>
      new AwxConnector({
        baseUrl: url,
        username: 'eucora',
        password: (sim as unknown as AwxSimulator).password,
        caller: c,
      }),
    key: (sim, id) => sim.inventory.get(id)!.name,
  },
];

let intuneKey: (fleetId: string) => string = () => '';

/** Every device of a full read, with groups merged in from `memberships()` when pages do not carry them. */
async function readAll(inv: PlaneInventory, since?: string): Promise<InventoryDevice[]> {
  const devices: InventoryDevice[] = [];
  for await (const page of listDevices(inv, since)) devices.push(...page.devices);
  if (!inv.groupsInline) {
    const m = await inv.memberships(since ? devices : undefined);
    for (const d of devices) d.groups = m.get(d.deviceKey)?.groups ?? [];
  }
  return devices;
}

for (const c of CASES) {
  describe(`${c.plane} inventory reader against the simulator`, () => {
    let sim: Sim;
    let inv: PlaneInventory;
    before(async () => {
      const { intuneIds } = await import('@eucora/agent-sim');
      intuneKey = (id) => intuneIds(id).managedDeviceId;
      sim = c.sim();
      inv = inventoryFor(c.connector(await sim.listen(), sim, caller(c.plane)));
    });
    after(async () => sim.close());

    it('a full read returns exactly the devices the simulator manages, with their platform, OS and groups (A1–A5)', async () => {
      const devices = await readAll(inv);
      const expected = sim.inventory.devices();
      assert.equal(devices.length, expected.length);
      const byKey = new Map(devices.map((d) => [d.deviceKey, d]));
      assert.equal(byKey.size, expected.length, 'every device once');
      for (const e of expected) {
        const got = byKey.get(c.key(sim, e.id));
        assert.ok(got, `device ${e.id} read`);
        assert.equal(got.platform, e.platform);
        assert.equal(got.name, e.name);
        assert.deepEqual([...(got.groups ?? [])].sort(), [...e.groups].sort(), `groups of ${e.id}`);
        assert.ok(got.osVersion?.includes(e.osVersion.split('.').slice(0, 2).join('.')), `os of ${e.id}: ${got.osVersion}`);
      }
      const counts: Record<string, number> = {};
      for (const d of devices) counts[d.platform] = (counts[d.platform] ?? 0) + 1;
      assert.deepEqual(counts, sim.inventory.counts().byPlatform);
    });

    const title = c.incremental
      ? 'an incremental read after a few changes returns just those devices, with their groups'
      : 'has no incremental filter: a re-read is full';
    it(title, async () => {
      const since = new Date(Date.now() - 1000).toISOString();
      const changed = sim.inventory
        .devices()
        .slice(3, 6)
        .map((d) => d.id);
      sim.inventory.touch(changed, { osVersion: '99.1', addGroup: 'dept-new' });
      const devices = await readAll(inv, since);
      assert.equal(inv.incremental, c.incremental);
      if (!inv.incremental) {
        assert.equal(devices.length, sim.inventory.devices().length);
        return;
      }
      assert.deepEqual(devices.map((d) => d.deviceKey).sort(), changed.map((id) => c.key(sim, id)).sort());
      for (const d of devices) {
        assert.equal(d.osVersion, '99.1');
        assert.ok(d.groups?.includes('dept-new'), `new group of ${d.deviceKey}`);
      }
    });

    it('a device removed from the plane is no longer listed', async () => {
      const gone = sim.inventory.devices()[0]!;
      const goneKey = c.key(sim, gone.id);
      assert.equal(sim.inventory.remove([gone.id]), 1);
      const devices = await readAll(inv);
      assert.equal(devices.length, sim.inventory.devices().length);
      assert.ok(!devices.some((d) => d.deviceKey === goneKey));
    });
  });
}
