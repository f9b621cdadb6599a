import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import {
  AwxSimulator,
  awxHostId,
  intuneIds,
  IntuneSimulator,
  jamfComputerId,
  JamfSimulator,
  landscapeComputerId,
  LandscapeSimulator,
  sccmResourceId,
  SccmSimulator,
  type PlaneDevice,
  type SimServer,
} from '@eucora/agent-sim';
import {
  AwxConnector,
  awxLabel,
  convergeAwxGroup,
  convergeEntraGroup,
  convergeJamfStaticGroup,
  convergeLandscapeTag,
  convergeSccmCollection,
  IntuneConnector,
  JamfConnector,
  jamfNames,
  LandscapeConnector,
  landscapeTitles,
  SccmConnector,
  sccmAppName,
  ringTargetKey,
  type DeployRingRequest,
  type DeployRingResult,
  type RingMember,
} from '../index';
import { isConflictError } from '@eucora/core';
import { ringConnector, ringContent, ringRequest, type PlaneCreds, type RingPlane } from '../testing/ring-planes';

/** Ring size of the test: more than two Graph bind batches (≤ 20 each, contracts A1). */
const N = 45;
const bytes = Buffer.from('MZ ring-objects installer bytes '.repeat(40));
const content = ringContent(bytes, 'ringobj-setup.msi');

/** One plane: its simulator, how its members are keyed, and what the plane holds for a ring target key. */
interface Case {
  plane: RingPlane;
  sim: () => SimServer;
  creds: (sim: SimServer) => PlaneCreds;
  member: (d: PlaneDevice) => RingMember;
  /** Objects on the plane named `key` and their members as deviceKeys (read from the simulator's own state). */
  object: (sim: SimServer, key: string) => { objects: number; members: string[] };
  /** The simulator's install key of a deployment (DeviceEngine runs). */
  installKey: (d: DeployRingResult) => string;
  /** Deployment objects of this intent+ring (assignment, policy, deployment, execution, job): must stay 1. */
  deployObjects: (sim: SimServer, req: DeployRingRequest, d: DeployRingResult) => number;
  /** The plane extends a running deployment to members added later (Intune/Jamf/SCCM do; Landscape/AWX ran once). */
  reachesAdded: boolean;
  /** What the deployment says it targets (the ring object's id or name). */
  target: (d: DeployRingResult) => string;
  /** The plane's converge helper alone, through a fresh connector's authenticated call. */
  converge: (
    url: string,
    creds: PlaneCreds,
    key: string,
    members: RingMember[],
  ) => Promise<{ added: number; removed: number; requests: number }>;
}

type Internal = Record<string, unknown>;
const priv = <T>(sim: SimServer, field: string): T => (sim as unknown as Internal)[field] as T;
const stats = (sim: SimServer) => sim.getStats() as unknown as Record<string, Record<string, number>> & { requests: number };

const CASES: Case[] = [
  {
    plane: 'intune',
    sim: () => new IntuneSimulator({ size: 1000, labSize: 6 }),
    creds: (s) => ({ clientId: (s as IntuneSimulator).clientId, clientSecret: (s as IntuneSimulator).clientSecret }),
    member: (d) => ({ deviceKey: intuneIds(d.id).managedDeviceId, directoryId: intuneIds(d.id).directoryId, name: d.name }),
    object: (s, key) => {
      const sim = s as IntuneSimulator;
      const byDir = new Map(sim.inventory.devices().map((d) => [intuneIds(d.id).directoryId, intuneIds(d.id).managedDeviceId]));
      const found = sim.ringGroups.store.byName(key);
      return { objects: found.length, members: found.flatMap((g) => [...g.members].map((o) => byDir.get(o) ?? o)) };
    },
    installKey: (d) => `${d.objectIds.appId}:${d.objectIds.groupId}`,
    deployObjects: (s, _r, d) => stats(s).requiredAssignmentAdds?.[`${d.objectIds.appId}:${d.objectIds.groupId}`] ?? 0,
    reachesAdded: true,
    target: (d) => d.objectIds.groupId!,
    converge: (url, cr, key, m) => convergeEntraGroup((ringConnector('intune', url, cr) as IntuneConnector).client, key, m, 'c'),
  },
  {
    plane: 'jamf',
    sim: () => new JamfSimulator({ size: 1000, labSize: 6 }),
    creds: (s) => ({ clientId: (s as JamfSimulator).clientId, clientSecret: (s as JamfSimulator).clientSecret }),
    member: (d) => ({ deviceKey: String(jamfComputerId(d)), directoryId: null, name: d.name }),
    object: (s, key) => {
      const groups = [...priv<Map<number, { id: number; name: string; computers?: Set<number> }>>(s, 'groups').values()];
      const found = groups.filter((g) => g.name.toLowerCase() === key.toLowerCase());
      return { objects: found.length, members: found.flatMap((g) => [...(g.computers ?? [])].map(String)) };
    },
    installKey: (d) => `jamf:${d.objectIds.policyId}`,
    deployObjects: (s, r) => stats(s).policiesByName?.[jamfNames(r).policy] ?? 0,
    reachesAdded: true,
    target: (d) => d.objectIds.groupId!,
    converge: (url, cr, key, m) => {
      const j = ringConnector('jamf', url, cr) as JamfConnector;
      return convergeJamfStaticGroup((a, b, x, y) => j.req(a, b, x, y), key, m);
    },
  },
  {
    plane: 'sccm',
    sim: () => new SccmSimulator({ size: 1000, labSize: 6 }),
    creds: (s) => ({ username: (s as SccmSimulator).username, password: (s as SccmSimulator).password }),
    member: (d) => ({ deviceKey: String(sccmResourceId(d)), directoryId: null, name: d.name }),
    object: (s, key) => {
      const sim = s as SccmSimulator;
      const found = [...priv<Map<string, Internal>>(s, 'collections').values()].filter((c) => c.Name === key);
      return {
        objects: found.length,
        members: found.flatMap((c) => [...(sim.ringCollections.rules.get(String(c.CollectionID))?.keys() ?? [])].map(String)),
      };
    },
    installKey: (d) => `sccm:${d.objectIds.assignmentId}`,
    deployObjects: (s, r) =>
      Object.entries(stats(s).assignmentsByKey ?? {})
        .filter(([k]) => k.startsWith(`${sccmAppName(r)}|`) && k.endsWith('|1'))
        .reduce((n, [, v]) => n + v, 0),
    reachesAdded: true,
    target: (d) => d.objectIds.collectionId!,
    converge: (url, cr, key, m) => {
      const sc = ringConnector('sccm', url, cr) as SccmConnector;
      return convergeSccmCollection((a, b, x, y) => sc.call(a, b, x, y), key, m);
    },
  },
  {
    plane: 'landscape',
    sim: () => new LandscapeSimulator({ size: 1000, labSize: 6 }),
    creds: (s) => ({ accessKey: (s as LandscapeSimulator).accessKey, secretKey: (s as LandscapeSimulator).secretKey }),
    member: (d) => ({ deviceKey: String(landscapeComputerId(d)), directoryId: null, name: d.name }),
    object: (s, key) => {
      const carrying = (s as LandscapeSimulator).inventory.members(key).map((d) => String(landscapeComputerId(d)));
      return { objects: carrying.length ? 1 : 0, members: carrying };
    },
    installKey: (d) => `landscape:${d.objectIds.activityGroupId}`,
    deployObjects: (s, r) => stats(s).executionsBySummary?.[`Run script: ${landscapeTitles(r).install}`] ?? 0,
    reachesAdded: false,
    target: (d) => d.objectIds.query!,
    converge: (url, cr, key, m) => {
      const l = ringConnector('landscape', url, cr) as LandscapeConnector;
      return convergeLandscapeTag((a, b, x) => l.action(a, b, x), key, m);
    },
  },
  {
    plane: 'awx',
    sim: () => new AwxSimulator({ size: 1000, labSize: 6 }),
    creds: (s) => ({ password: (s as AwxSimulator).password }),
    member: (d) => ({ deviceKey: String(awxHostId(d)), directoryId: null, name: d.name }),
    object: (s, key) => {
      const found = (s as AwxSimulator).ringGroups.store.byName(key);
      return { objects: found.length, members: found.flatMap((g) => [...g.members]) };
    },
    installKey: (d) => `awx:${d.objectIds.jobId}`,
    deployObjects: (s, r) => stats(s).jobsByLabel?.[awxLabel(r, 'deploy')] ?? 0,
    reachesAdded: false,
    target: (d) => d.objectIds.limit!,
    converge: (url, cr, key, m) => {
      const aw = ringConnector('awx', url, cr) as AwxConnector;
      return convergeAwxGroup((a, b, x, y) => aw.json(a, b, x, y), 1, key, m);
    },
  },
];

const sorted = (xs: Iterable<string>) => [...xs].sort();
const inventoryOf = (sim: SimServer) => (sim as unknown as { inventory: { devices(): readonly PlaneDevice[] } }).inventory.devices();

for (const c of CASES) {
  describe(`${c.plane} ring target object (contracts A1–A5, over HTTP against agent-sim)`, () => {
    const sim = c.sim();
    let url: string;
    before(async () => {
      sim.engine.config.installDurationMs = 40;
      url = await sim.listen(0);
    });
    after(async () => sim.close());
    const fleet = () => inventoryOf(sim);
    /** Fleet ids the deployment installed on, as deviceKeys. */
    const installedOn = (d: DeployRingResult) => {
      const key = new Map(fleet().map((x) => [x.id, c.member(x).deviceKey]));
      return sorted(sim.engine.states(c.installKey(d)).map((s) => key.get(s.deviceId) ?? s.deviceId));
    };

    const convergeTitle =
      `deploy N=${N} → one object with exactly N members; ` + 'fresh re-deploy and a changed member converge it; rollback targets it';
    it(convergeTitle, async () => {
      const intentId = randomUUID();
      const key = ringTargetKey(intentId, 1);
      const a = fleet().slice(0, N).map(c.member);
      assert.equal(a.length, N);
      const r1 = ringRequest(c.plane, intentId, key, a, content);
      let before0 = stats(sim).requests;
      const d1 = await ringConnector(c.plane, url, c.creds(sim)).deployRing(r1);
      const reqFirst = stats(sim).requests - before0;
      let o = c.object(sim, key);
      assert.equal(o.objects, 1, 'one ring object');
      assert.deepEqual(sorted(o.members), sorted(a.map((m) => m.deviceKey)), 'exactly the ring members');
      assert.deepEqual(installedOn(d1), sorted(a.map((m) => m.deviceKey)), 'installs run on exactly the members');
      assert.equal(c.deployObjects(sim, r1, d1), 1);

      before0 = stats(sim).requests;
      const d2 = await ringConnector(c.plane, url, c.creds(sim)).deployRing(r1);
      const reqSame = stats(sim).requests - before0;
      o = c.object(sim, key);
      assert.equal(o.objects, 1, 'still one object after a fresh re-deploy');
      assert.deepEqual(sorted(o.members), sorted(a.map((m) => m.deviceKey)));
      assert.equal(c.deployObjects(sim, r1, d2), 1, 'no duplicate assignment/policy/deployment/job');
      assert.equal(c.target(d2), c.target(d1), 'the same object is targeted');
      assert.equal(d2.adopted, true);

      // One member leaves, one joins (e.g. a corrected snapshot): converged by the diff only.
      const b = [...a.slice(1), c.member(fleet()[N]!)];
      const r3 = ringRequest(c.plane, intentId, key, b, content);
      before0 = stats(sim).requests;
      const d3 = await ringConnector(c.plane, url, c.creds(sim)).deployRing(r3);
      const reqChanged = stats(sim).requests - before0;
      o = c.object(sim, key);
      assert.equal(o.objects, 1);
      assert.deepEqual(sorted(o.members), sorted(b.map((m) => m.deviceKey)), 'one added, one removed');
      assert.equal(c.deployObjects(sim, r3, d3), 1);
      if (c.reachesAdded) assert.ok(installedOn(d3).includes(b.at(-1)!.deviceKey), 'the running deployment reaches the added member');

      const noop = await c.converge(url, c.creds(sim), key, b);
      assert.deepEqual([noop.added, noop.removed], [0, 0], 'a converge of a converged object changes nothing');

      await ringConnector(c.plane, url, c.creds(sim)).rollbackRing({ ...r3, deployment: d3 });
      assert.equal(c.object(sim, key).objects, 1, 'rollback creates no second object');
      const st = stats(sim) as unknown as Record<string, number>;
      if (c.plane === 'intune') assert.equal(st.deletedDevices, 0, 'never DELETE without /$ref');
      if (c.plane === 'awx') assert.equal(st.deletedHosts, 0, 'never disassociate on the inventory host list');
      console.log(
        `ring-objects ${c.plane}: N=${N} requests first deploy ${reqFirst}, same-members re-deploy ${reqSame}, ` +
          `+1/-1 re-deploy ${reqChanged}; converge alone (no-op) ${noop.requests}`,
      );
    });

    const killTitle =
      'kill -9 of a deploying process mid-converge, then a fresh connector → one object with the same members, one deployment';
    it(killTitle, async () => {
      const intentId = randomUUID();
      const key = ringTargetKey(intentId, 1);
      const members = fleet()
        .slice(50, 50 + N)
        .map(c.member);
      assert.equal(members.length, N);
      sim.faults.latencyMs = 15;
      const child = spawn(
        process.execPath,
        [
          path.resolve(__dirname, '../testing/ring-deploy-child.js'),
          JSON.stringify({
            plane: c.plane,
            url,
            creds: c.creds(sim),
            intentId,
            targetKey: key,
            members,
            contentB64: bytes.toString('base64'),
            fileName: content.fileName,
          }),
        ],
        { stdio: ['ignore', 'pipe', 'inherit'] },
      );
      let out = '';
      child.stdout.on('data', (x: Buffer) => (out += x.toString()));
      const exited = new Promise<NodeJS.Signals | null>((r) => child.once('exit', (_code, sig) => r(sig)));
      const deadline = Date.now() + 30_000;
      // Kill as soon as the object has members (partly for batched/one-by-one adds; Jamf and Landscape add all in one call).
      while (c.object(sim, key).members.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 2));
      const atKill = c.object(sim, key).members.length;
      child.kill('SIGKILL');
      const sig = await exited;
      sim.faults.latencyMs = 0;
      assert.equal(sig, 'SIGKILL');
      assert.equal(out.includes('deployed'), false, 'killed before the deploy finished');
      const r = ringRequest(c.plane, intentId, key, members, content);
      const d = await ringConnector(c.plane, url, c.creds(sim)).deployRing(r);
      const o = c.object(sim, key);
      assert.equal(o.objects, 1, 'one object after the resume');
      assert.deepEqual(sorted(o.members), sorted(members.map((m) => m.deviceKey)));
      assert.equal(c.deployObjects(sim, r, d), 1, 'one deployment after the resume');
      console.log(`ring-objects ${c.plane}: kill -9 with ${atKill}/${N} members on the object; resumed to ${o.members.length}`);
    });
  });
}

describe('ring-object strictness of the simulators (each pins a contracts line)', () => {
  const entraTitle =
    'Entra (A1): bulk add with an existing member → 400 Request_BadRequest, > 20 binds → 400, DELETE without /$ref deletes the device';
  it(entraTitle, async () => {
    const sim = new IntuneSimulator({ size: 200, labSize: 4 });
    const url = await sim.listen(0);
    try {
      const conn = new IntuneConnector({
        graphUrl: url,
        authorityUrl: url,
        tenantId: 'contoso',
        clientId: sim.clientId,
        clientSecret: sim.clientSecret,
      });
      const devs = sim.inventory
        .devices()
        .slice(0, 30)
        .map((d) => ({ deviceKey: intuneIds(d.id).managedDeviceId, directoryId: intuneIds(d.id).directoryId, name: d.name }));
      const g = await convergeEntraGroup(conn.client, 'eucora-strict-r0', devs.slice(0, 5), 'c');
      assert.equal(g.created, true);
      const bind = (ids: string[]) => ({ 'members@odata.bind': ids.map((o) => `https://graph.microsoft.com/v1.0/directoryObjects/${o}`) });
      // "Any existing member fails it all": one old + one new → 400, and the new one is not added.
      await assert.rejects(
        conn.client.request('PATCH', `/v1.0/groups/${g.groupId}`, bind([devs[0]!.directoryId!, devs[10]!.directoryId!])),
      );
      assert.equal(sim.ringGroups.store.get(g.groupId)!.members.size, 5);
      // "≤20": 21 binds → 400.
      await assert.rejects(conn.client.request('PATCH', `/v1.0/groups/${g.groupId}`, bind(devs.slice(5, 26).map((d) => d.directoryId!))));
      assert.equal(sim.ringGroups.store.get(g.groupId)!.members.size, 5);
      // "Keep /$ref": without it the directory object itself goes.
      await conn.client.request('DELETE', `/v1.0/groups/${g.groupId}/members/${devs[1]!.directoryId}`);
      assert.equal(sim.ringGroups.deletedDevices.size, 1);
      assert.equal(
        sim.inventory.devices().some((d) => intuneIds(d.id).directoryId === devs[1]!.directoryId),
        false,
        'the device is gone',
      );
      assert.equal(sim.ringGroups.store.get(g.groupId)!.members.size, 4);
      // Converging again: the diff only (no 400), the deleted device cannot be re-bound (404), so only it is missing.
      const again = await convergeEntraGroup(
        conn.client,
        'eucora-strict-r0',
        devs.slice(0, 5).filter((_, i) => i !== 1),
        'c',
      );
      assert.deepEqual([again.created, again.added, again.removed, again.members], [false, 0, 0, 4]);
      assert.equal(again.requests, 2, 'find + one members page');
      console.log(`ring-objects intune: no-op converge of 4 members took ${again.requests} Graph requests`);
      // "Not unique: >1 → fail".
      await conn.client.request('POST', '/v1.0/groups', {
        displayName: 'eucora-strict-r0',
        mailEnabled: false,
        mailNickname: 'dup',
        securityEnabled: true,
      });
      await assert.rejects(convergeEntraGroup(conn.client, 'eucora-strict-r0', [], 'c'), (e: unknown) => isConflictError(e));
      // A member without a directory id is skipped and reported, not bound.
      const skip = await convergeEntraGroup(conn.client, 'eucora-strict-r1', [{ deviceKey: 'md-x', directoryId: null, name: 'x' }], 'c');
      assert.deepEqual(skip.skipped, ['md-x']);
    } finally {
      await sim.close();
    }
  });

  it('Jamf (A2): a second static group of the same name → 409 Duplicate name', async () => {
    const sim = new JamfSimulator({ size: 200, labSize: 4 });
    const url = await sim.listen(0);
    try {
      const conn = new JamfConnector({ baseUrl: url, clientId: sim.clientId, clientSecret: sim.clientSecret });
      const xml =
        '<computer_group><name>eucora-dup-r0</name><is_smart>false</is_smart>' +
        '<computers><computer><id>1</id></computer></computers></computer_group>';
      assert.equal((await conn.req('POST', '/JSSResource/computergroups/id/0', { xml })).status, 201);
      const dup = await conn.req('POST', '/JSSResource/computergroups/id/0', { xml: xml.replace('eucora-dup-r0', 'EUCORA-DUP-R0') }, [409]);
      assert.equal(dup.status, 409);
      assert.match(dup.text, /Duplicate name/);
    } finally {
      await sim.close();
    }
  });

  it('SCCM (A3, duplicate create unverified): a second collection of the name is refused by the connector (> 1 → fail)', async () => {
    const sim = new SccmSimulator({ size: 200, labSize: 4 });
    const url = await sim.listen(0);
    try {
      const conn = new SccmConnector({ baseUrl: url, username: sim.username, password: sim.password });
      for (let i = 0; i < 2; i++)
        await conn.call('POST', '/SMS_Collection', { Name: 'eucora-dup-r0', CollectionType: 2, LimitToCollectionID: 'SMS00001' });
      const r = ringRequest(
        'sccm',
        'dup',
        'eucora-dup-r0',
        [{ deviceKey: String(sccmResourceId(sim.inventory.devices()[0]!)), directoryId: null, name: 'x' }],
        content,
      );
      await assert.rejects(conn.deployRing(r), (e: unknown) => isConflictError(e));
    } finally {
      await sim.close();
    }
  });

  it('Landscape (A4): InvalidTag and InvalidQuery on AddTagsToComputers', async () => {
    const sim = new LandscapeSimulator({ size: 200, labSize: 4 });
    const url = await sim.listen(0);
    try {
      const conn = new LandscapeConnector({ baseUrl: url, accessKey: sim.accessKey, secretKey: sim.secretKey });
      const bad = await conn.action<{ error: string }>('AddTagsToComputers', { query: 'id:1', 'tags.1': 'bad tag' }, [400]);
      assert.deepEqual([bad.status, bad.body.error], [400, 'InvalidTag']);
      const q = await conn.action<{ error: string }>('AddTagsToComputers', { query: 'nosuchkey:1', 'tags.1': 'ok' }, [400]);
      assert.deepEqual([q.status, q.body.error], [400, 'InvalidQuery']);
    } finally {
      await sim.close();
    }
  });

  it('AWX (A5): disassociate on /inventories/{id}/hosts/ deletes the host; a duplicate group name → 400', async () => {
    const sim = new AwxSimulator({ size: 200, labSize: 4 });
    const url = await sim.listen(0);
    try {
      const conn = ringConnector('awx', url, { password: sim.password }) as unknown as {
        json: <T>(m: string, p: string, b?: unknown, a?: number[]) => Promise<{ status: number; body: T }>;
      };
      const host = awxHostId(sim.inventory.devices()[0]!);
      const before0 = sim.inventory.devices().length;
      assert.equal((await conn.json('POST', '/api/v2/inventories/1/hosts/', { id: host, disassociate: true })).status, 204);
      assert.equal(sim.inventory.devices().length, before0 - 1, 'the host is gone from the inventory');
      assert.equal((await conn.json('POST', '/api/v2/inventories/1/groups/', { name: 'eucora-g-r0' })).status, 201);
      assert.equal((await conn.json('POST', '/api/v2/inventories/1/groups/', { name: 'eucora-g-r0' }, [400])).status, 400);
    } finally {
      await sim.close();
    }
  });
});
