import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { IntuneSimulator } from '@eucora/agent-sim';
import { appDisplayName, BreakerOpenError, IntuneConnector, ResilientCaller, type BreakerState, type DeployRingRequest } from '../index';
import { bufferContent } from '../testing/buffer-content';
import { isInputError, isUpstreamUnavailableError } from '@eucora/core';

/** The Intune connector against the Intune simulator over real HTTP (vendor-contracts.md §1). */
describe('Intune connector contract (over HTTP against agent-sim)', () => {
  const sim = new IntuneSimulator({ size: 500, labSize: 8 });
  let url: string;
  before(async () => {
    sim.engine.config.installDurationMs = 50;
    url = await sim.listen(0);
  });
  after(async () => sim.close());

  const connector = (caller?: ResilientCaller) =>
    new IntuneConnector({
      graphUrl: url,
      authorityUrl: url,
      tenantId: 'contoso',
      clientId: sim.clientId,
      clientSecret: sim.clientSecret,
      caller,
    });
  const installer = Buffer.from('MZ fake installer bytes for the contract test '.repeat(50));
  const content = bufferContent(installer, 'contract-setup.msi');
  const req = (intentId = randomUUID(), group = 'lab'): DeployRingRequest => ({
    tenantId: 't',
    intentId,
    correlationId: 'c',
    ring: { index: 0, name: 'ring0-lab', deviceGroup: group },
    artifact: {
      name: 'Contract',
      version: '1.0',
      publisher: 'Contoso',
      sha256: content.sha256,
      installCommand: 'i',
      uninstallCommand: 'u',
      platform: 'windows',
      format: 'msi',
      sizeBytes: installer.length,
      detectionRule: { type: 'product_code', value: '{23170F69-40C1-2702-2408-000001000000}' },
    },
    content,
  });
  const reset = () =>
    Object.assign(sim.faults, { outage: false, failNext: 0, failStatus: 503, throttleNext: 0, latencyMs: 0, errorRate: 0 });

  it('deploy → status (counts and per device) → idempotent re-deploy from a fresh instance → rollback', async () => {
    const c = connector();
    const r = req();
    const baseline = await c.ringBaseline(r);
    const d = await c.deployRing(r);
    assert.equal(d.adopted, false);
    let counts = await c.ringStatus({ ...r, deployment: d, baseline });
    for (let i = 0; i < 50 && counts.succeeded < counts.targeted; i++) {
      await new Promise((res) => setTimeout(res, 50));
      counts = await c.ringStatus({ ...r, deployment: d, baseline });
    }
    assert.equal(counts.targeted, 8);
    assert.equal(counts.succeeded, 8);
    // Per device (getDeviceInstallStatusReport), paged 3 at a time: the same 8 devices, each installed.
    const devices = await c.deviceStatuses({ ...r, deployment: d }, 3);
    assert.equal(devices.length, 8);
    assert.equal(new Set(devices.map((x) => x.DeviceId)).size, 8);
    assert.ok(
      devices.every((x) => x.AppInstallState === 'installed'),
      JSON.stringify(devices.map((x) => x.AppInstallState)),
    );
    // Idempotent re-deploy from a fresh connector instance: one app, one content file.
    const again = await connector().deployRing(r);
    assert.equal(again.adopted, true);
    assert.equal(again.objectIds.appId, d.objectIds.appId);
    assert.equal(sim.getStats().appsByDisplayName[appDisplayName(r)], 1);
    assert.equal(sim.getStats().contentFilesByApp[d.objectIds.appId!], 1);
    const before = sim.getStats().uninstallAssignments;
    await connector().rollbackRing({ ...r, deployment: again });
    assert.equal(sim.getStats().uninstallAssignments, before + 1);
    let gone = await c.deviceStatuses({ ...r, deployment: d });
    for (let i = 0; i < 50 && gone.some((x) => x.AppInstallState !== 'notInstalled'); i++) {
      await new Promise((res) => setTimeout(res, 50));
      gone = await c.deviceStatuses({ ...r, deployment: d });
    }
    assert.ok(
      gone.every((x) => x.AppInstallState === 'notInstalled'),
      'rolled back on every device',
    );
  });

  it('a repeated deploy of the same intent and ring leaves one app and one assignment', async () => {
    const c = connector();
    const r = req();
    const first = await c.deployRing(r);
    const second = await c.deployRing(r);
    const third = await connector().deployRing(r); // a fresh client, as after a worker crash
    assert.equal(second.adopted, true);
    assert.equal(third.adopted, true);
    assert.equal(second.objectIds.appId, first.objectIds.appId);
    const stats = sim.getStats();
    assert.equal(stats.appsByDisplayName[appDisplayName(r)], 1, 'one create for this natural key');
    assert.equal(stats.requiredAssignmentAdds[`${first.objectIds.appId}:${first.objectIds.groupId}`], 1);
  });

  it('survives transient faults: 503s and 429 bursts (honouring Retry-After)', async () => {
    reset();
    const c = connector(new ResilientCaller('intune', { retryInitialMs: 50, retryMaxMs: 2000 }));
    sim.faults.failNext = 2;
    const d = await c.deployRing(req());
    assert.ok(d.objectIds.appId);
    sim.faults.throttleNext = 2;
    sim.faults.retryAfterSeconds = 1;
    const t0 = Date.now();
    await c.deployRing(req());
    assert.ok(Date.now() - t0 >= 1900, `waited ${Date.now() - t0} ms for two Retry-After: 1`);
    reset();
  });

  it('permanent faults fail fast without retries', async () => {
    reset();
    const c = connector(new ResilientCaller('intune', { retryInitialMs: 50 }));
    await c.ringBaseline(req()); // token cached
    sim.faults.failNext = 1;
    sim.faults.failStatus = 400;
    const before = sim.getStats().requests;
    await assert.rejects(c.deployRing(req()), (err) => isInputError(err));
    assert.equal(sim.getStats().requests - before, 1, 'exactly one request');
    reset();
  });

  it('a call slower than the timeout is abandoned as transient', async () => {
    reset();
    sim.faults.latencyMs = 600;
    const c = connector(new ResilientCaller('intune', { timeoutMs: 200, retries: 0 }));
    await assert.rejects(c.ringBaseline(req()), (err) => isUpstreamUnavailableError(err) && /timed out/.test((err as Error).message));
    reset();
  });

  it('the breaker opens after 5 consecutive failures, stops calling, and closes after a successful half-open probe', async () => {
    reset();
    const states: BreakerState[] = [];
    const caller = new ResilientCaller('intune', { retries: 0, resetTimeoutMs: 800, consecutiveFailures: 5 }, (s) => states.push(s));
    const c = connector(caller);
    await c.ringBaseline(req()); // token cached while healthy
    sim.faults.outage = true;
    for (let i = 0; i < 5; i++) await assert.rejects(c.ringBaseline(req()), (err) => isUpstreamUnavailableError(err));
    assert.equal(caller.state, 'open');
    const before = sim.getStats().requests;
    await assert.rejects(c.ringBaseline(req()), (err) => err instanceof BreakerOpenError);
    assert.equal(sim.getStats().requests, before, 'no request while open');
    sim.faults.outage = false;
    await new Promise((r) => setTimeout(r, 900));
    await c.ringBaseline(req());
    assert.equal(caller.state, 'closed');
    assert.deepEqual(states, ['open', 'half_open', 'closed']);
  });

  it('Graph-faithful errors: bad credentials → invalid_client; assign replaces the whole set', async () => {
    reset();
    const bad = new IntuneConnector({
      graphUrl: url,
      authorityUrl: url,
      tenantId: 'contoso',
      clientId: sim.clientId,
      clientSecret: 'wrong',
      caller: new ResilientCaller('intune', { retries: 0 }),
    });
    await assert.rejects(bad.ringBaseline(req()), /invalid_client|401/);
    const token = (await (
      await fetch(`${url}/contoso/oauth2/v2.0/token`, {
        method: 'POST',
        body: new URLSearchParams({
          grant_type: 'client_credentials',
          client_id: sim.clientId,
          client_secret: sim.clientSecret,
          scope: 'https://graph.microsoft.com/.default',
        }),
      })
    ).json()) as { access_token: string; expires_in: number; token_type: string };
    assert.equal(token.token_type, 'Bearer');
    assert.equal(token.expires_in, 3599);
    const h = { authorization: `Bearer ${token.access_token}`, 'content-type': 'application/json' };
    // An app published through the connector, then assigned by hand: assign replaces the whole set.
    const d = await connector().deployRing(req());
    const app = { id: d.objectIds.appId! };
    const target = (groupId: string) => ({
      '@odata.type': '#microsoft.graph.mobileAppAssignment',
      intent: 'required',
      target: { '@odata.type': '#microsoft.graph.groupAssignmentTarget', groupId },
    });
    const assign = (ids: string[]) =>
      fetch(`${url}/beta/deviceAppManagement/mobileApps/${app.id}/assign`, {
        method: 'POST',
        headers: h,
        body: JSON.stringify({ mobileAppAssignments: ids.map(target) }),
      });
    assert.equal((await assign(['g1', 'g2'])).status, 204);
    assert.equal((await assign(['g3'])).status, 204);
    const list = (await (await fetch(`${url}/beta/deviceAppManagement/mobileApps/${app.id}/assignments`, { headers: h })).json()) as {
      value: { target: { groupId: string } }[];
    };
    assert.deepEqual(
      list.value.map((a) => a.target.groupId),
      ['g3'],
    );
    const body = JSON.stringify({
      '@odata.type': '#microsoft.graph.win32LobApp',
      displayName: 'same-name',
      publisher: 'p',
      fileName: 'IntunePackage.intunewin',
      setupFilePath: 's.msi',
      installCommandLine: 'i',
      uninstallCommandLine: 'u',
      detectionRules: [
        {
          '@odata.type': '#microsoft.graph.win32LobAppRegistryDetection',
          keyPath: 'HKLM\\x',
        },
      ],
    });
    const dup = (await (await fetch(`${url}/beta/deviceAppManagement/mobileApps`, { method: 'POST', headers: h, body })).json()) as {
      id: string;
    };
    const dup2 = (await (await fetch(`${url}/beta/deviceAppManagement/mobileApps`, { method: 'POST', headers: h, body })).json()) as {
      id: string;
    };
    assert.notEqual(dup.id, dup2.id, 'Graph does not deduplicate creates');
    const unauth = await fetch(`${url}/beta/deviceAppManagement/mobileApps`, { headers: { authorization: 'Bearer nope' } });
    assert.equal(unauth.status, 401);
    assert.equal(((await unauth.json()) as { error: { code: string } }).error.code, 'InvalidAuthenticationToken');
  });
});
