import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import {
  AwxSimulator,
  intuneIds,
  IntuneSimulator,
  jamfComputerId,
  JamfSimulator,
  landscapeComputerId,
  LandscapeSimulator,
  sccmResourceId,
  SccmSimulator,
  type SimServer,
} from '@eucora/agent-sim';
import {
  AwxConnector,
  IntuneConnector,
  JamfConnector,
  LandscapeConnector,
  SccmConnector,
  type DeployRingRequest,
  type DeployRingResult,
  type DeviceState,
  type PlaneConnector,
  type RingMember,
} from '../index';
import { ringContent } from '../testing/ring-planes';

/** One plane: simulator, connector, its engine key of a deployment, its device key of a fleet device, its error code. */
interface PlaneCase {
  plane: string;
  sim: SimServer;
  connector: (url: string) => PlaneConnector;
  engineKey: (d: DeployRingResult) => string;
  deviceKey: (fleetId: string, sim: SimServer) => string;
  /** Codes a failed device must carry. */
  failureCodes: RegExp;
  /** Whether a member the plane never reached stays pending (else the plane says it failed, as AWX after a finished job). */
  unreportedPending: boolean;
}

const fleet = { size: 400, labSize: 6 };
const GROUP = 'ring2-pilot'; // 90 devices of every platform: the plane reports all of them, the ring is 30 of them
const idx = (sim: SimServer, id: string) => ({ index: sim.engine.index(id) });
const intune = new IntuneSimulator(fleet);
const jamf = new JamfSimulator(fleet);
const sccm = new SccmSimulator(fleet);
const landscape = new LandscapeSimulator(fleet);
const awx = new AwxSimulator(fleet);
const CASES: PlaneCase[] = [
  {
    plane: 'intune',
    sim: intune,
    connector: (url) =>
      new IntuneConnector({
        graphUrl: url,
        authorityUrl: url,
        tenantId: 'contoso',
        clientId: intune.clientId,
        clientSecret: intune.clientSecret,
      }),
    engineKey: (d) => `${d.objectIds.appId}:${d.objectIds.groupId}`,
    deviceKey: (id) => intuneIds(id).managedDeviceId,
    failureCodes: /^0x87D1041C$/,
    unreportedPending: true,
  },
  {
    plane: 'jamf',
    sim: jamf,
    connector: (url) => new JamfConnector({ baseUrl: url, clientId: jamf.clientId, clientSecret: jamf.clientSecret }),
    engineKey: (d) => `jamf:${d.objectIds.policyId}`,
    deviceKey: (id, sim) => String(jamfComputerId(idx(sim, id))),
    failureCodes: /^Failed$/,
    unreportedPending: true,
  },
  {
    plane: 'sccm',
    sim: sccm,
    connector: (url) => new SccmConnector({ baseUrl: url, username: sccm.username, password: sccm.password }),
    engineKey: (d) => `sccm:${d.objectIds.assignmentId}`,
    deviceKey: (id, sim) => String(sccmResourceId(idx(sim, id))),
    failureCodes: /^EnforcementState 11$/,
    unreportedPending: true,
  },
  {
    plane: 'landscape',
    sim: landscape,
    connector: (url) => new LandscapeConnector({ baseUrl: url, accessKey: landscape.accessKey, secretKey: landscape.secretKey }),
    engineKey: (d) => `landscape:${d.objectIds.activityGroupId}`,
    deviceKey: (id, sim) => String(landscapeComputerId(idx(sim, id))),
    failureCodes: /^1$/,
    unreportedPending: true,
  },
  {
    plane: 'awx',
    sim: awx,
    connector: (url) => new AwxConnector({ baseUrl: url, username: 'eucora', password: awx.password }),
    engineKey: (d) => `awx:${d.objectIds.jobId}`,
    deviceKey: (id, sim) => sim.engine.deviceNames.get(id)!,
    failureCodes: /^(failures|unreachable)$/,
    unreportedPending: false,
  },
];

const content = ringContent(Buffer.from('MZ per-device status contract installer\n'.repeat(64)), 'status-pkg.msi');
const request = (platform: 'windows' | 'macos' | 'linux'): DeployRingRequest => {
  const intentId = randomUUID();
  return {
    tenantId: 't',
    intentId,
    correlationId: 'c',
    ring: { index: 2, name: 'ring2-pilot', deviceGroup: GROUP },
    artifact: {
      name: 'FlakyStatusPkg',
      version: '1.0',
      publisher: 'Contoso',
      sha256: content.sha256,
      installCommand: 'install.sh',
      uninstallCommand: 'uninstall.sh',
      platform,
      format: 'msi',
      sizeBytes: content.sizeBytes,
      detectionRule: { type: 'product_code', value: '{23170F69-40C1-2702-2408-000001000000}' },
    },
    content,
  };
};

for (const c of CASES) {
  describe(`${c.plane} ringStatus over exactly the ring's members`, () => {
    let url: string;
    before(async () => {
      c.sim.engine.config.installDurationMs = 50;
      // Deterministic injected failures: 30% of this package's installs fail (hash of deployment object and device).
      c.sim.engine.config.failureRules = [{ match: 'FlakyStatusPkg', rate: 0.3 }];
      url = await c.sim.listen(0);
    });
    after(async () => c.sim.close());

    it('counts N targeted and k failed from the members only; other reported devices are ignored; errors carry vendor codes', async () => {
      const conn = c.connector(url);
      const req = request(c.plane === 'jamf' ? 'macos' : c.plane === 'landscape' || c.plane === 'awx' ? 'linux' : 'windows');
      const d = await conn.deployRing(req);
      const reached = c.sim.engine.members(GROUP);
      const inRing = reached.filter((_, i) => i % 3 === 0); // 30 of the 90 devices the plane deploys to
      const outside = c.sim.engine.members('lab').find((id) => !reached.includes(id))!; // a member the plane never reached
      assert.ok(outside, 'a lab device outside the deployed group');
      const members: RingMember[] = [...inRing, outside].map((id) => ({ deviceKey: c.deviceKey(id, c.sim), directoryId: null, name: id }));
      const ring = { ...req.ring, targetKey: `eucora-${req.intentId}-r2`, members };

      let status = await conn.ringStatus({ ...req, deployment: d, baseline: {}, ring });
      const settled = () => status.pending === (c.unreportedPending ? 1 : 0);
      for (let i = 0; i < 100 && !settled(); i++) {
        await new Promise((r) => setTimeout(r, 50));
        status = await conn.ringStatus({ ...req, deployment: d, baseline: {}, ring });
      }
      // Ground truth: the simulator's own per-device outcomes of this deployment object.
      const truth = new Map(c.sim.engine.states(c.engineKey(d)).map((s) => [s.deviceId, s.state]));
      assert.equal(truth.size, reached.length, 'the plane reports every device of the group');
      const k = inRing.filter((id) => truth.get(id) === 'failed').length;
      const kOutside = reached.filter((id) => !inRing.includes(id) && truth.get(id) === 'failed').length;
      assert.ok(k > 0 && kOutside > 0, `failures injected inside (${k}) and outside (${kOutside}) the ring`);
      const N = members.length;
      const extraFailed = c.unreportedPending ? 0 : 1;
      assert.deepEqual(
        {
          targeted: status.targeted,
          failed: status.failed,
          succeeded: status.succeeded,
          pending: status.pending,
          notApplicable: status.notApplicable,
        },
        { targeted: N, failed: k + extraFailed, succeeded: inRing.length - k, pending: c.unreportedPending ? 1 : 0, notApplicable: 0 },
        `${c.plane}: N=${N} k=${k} (plane reported ${reached.length}, ${kOutside} failures outside the ring)`,
      );
      console.log(
        `${c.plane}: ring N=${N} members (${inRing.length} reached + 1 not), plane reported ${reached.length} devices; ` +
          `k=${k} failed in ring, ${kOutside} failed outside (not counted) → ${JSON.stringify({ ...status, devices: undefined })}`,
      );
      const devices = status.devices!;
      assert.deepEqual(devices.map((x) => x.deviceKey).sort(), members.map((m) => m.deviceKey).sort(), 'exactly the members, once each');
      const failed = devices.filter((x: DeviceState) => x.state === 'failed' && x.deviceKey !== members.at(-1)!.deviceKey);
      assert.equal(failed.length, k);
      for (const f of failed) {
        assert.match(f.errorCode ?? '', c.failureCodes, `${c.plane} error code of ${f.deviceKey}`);
        assert.ok((f.errorMessage ?? '').length > 0 && (f.errorMessage ?? '').length <= 256 && !/[\u0000-\u001f]/.test(f.errorMessage!));
      }
      const byKey = new Map(devices.map((x) => [x.deviceKey, x.state]));
      for (const id of inRing) assert.equal(byKey.get(c.deviceKey(id, c.sim)), truth.get(id), `${c.plane} state of ${id}`);
      // Without members, today's behaviour (the group's whole report) is kept.
      const legacy = await conn.ringStatus({ ...req, deployment: d, baseline: {} });
      assert.equal(legacy.targeted, reached.length);
      assert.equal(legacy.devices, undefined);
    });
  });
}
