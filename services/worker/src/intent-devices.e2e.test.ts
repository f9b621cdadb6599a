import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import request from 'supertest';
import { intuneIds } from '@eucora/agent-sim';
import { createTestTenant, sampleIntent } from '@eucora/api/dist/test-support/test-stack';
import { startHarness, type Harness } from './test-support/lifecycle-harness';

interface DeviceItem {
  deviceKey: string;
  name: string;
  ring: number;
  state: string;
  changedAt: string | null;
  errorCode: string | null;
  errorMessage: string | null;
}

/**
 * Per-device status end to end: API → Temporal workflow → worker → Intune simulator, ring 0 with frozen members, failures
 * injected on the plane; the ring verdict and `GET /deployment-intents/:id/devices` cover exactly the ring's devices.
 */
describe('per-device ring status through the full stack', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({ installDurationMs: 300, fleetSize: 400, env: { RING_POLL_INITIAL_MS: '3000', RING_POLL_MAX_MS: '3000' } });
    // Four of the ten lab devices fail this package on the plane (a fixed split: a drawn one missed the 1..6 band ~17% of runs).
    h.sim.engine.config.failureRules = [{ match: 'FlakyDevicePkg', rate: 0, devices: h.sim.engine.members('lab').slice(0, 4) }];
    await h.startWorker();
  });
  after(async () => h.close());

  const testName =
    'ring 0 of 6 members among 10 reached devices: verdict, /devices and ringProgress count the 6 only, failures carry HexErrorCode';
  it(testName, async () => {
    const lab = h.sim.engine.members('lab');
    assert.equal(lab.length, 10);
    const submit = (title: string) => h.submit({ title, artifact: { ...(sampleIntent().artifact as object), name: 'FlakyDevicePkg' } });
    const [mixed, clean] = [await submit('flaky per-device rollout'), await submit('ring of succeeding devices only')];
    // Stand-in for the targeting helper's frozen ring members (intent_ring_devices, wave 2 contract), written once ring 0
    // is deployed (the first status poll comes RING_POLL_INITIAL_MS later): the injected outcome per device is the
    // engine's deterministic rule (DeviceEngine.install), known once the plane object exists.
    const outcomes = async (id: string) => {
      const r = await h.waitForEvent(id, 'ring.deployed', 60_000);
      const o = (r.body.timeline as { type: string; data: { objectIds: { appId: string; groupId: string } } }[]).find(
        (e) => e.type === 'ring.deployed',
      )!.data.objectIds;
      const key = `${o.appId}:${o.groupId}`;
      const failingOnPlane = new Set(h.sim.engine.config.failureRules[0]!.devices);
      return { key, fails: (d: string) => failingOnPlane.has(d) };
    };
    const insert = async (id: string, fleetIds: string[]) => {
      for (const fleetId of fleetIds) {
        await h.api.ds.query(
          `INSERT INTO intent_ring_devices (tenant_id, intent_id, ring_index, device_key, directory_id, name)
           VALUES ($1, $2, 0, $3, NULL, $4)`,
          [h.tenant.tenantId, id, intuneIds(fleetId).managedDeviceId, `dev-${fleetId}`],
        );
      }
      return fleetIds.map((fleetId) => ({ fleetId, deviceKey: intuneIds(fleetId).managedDeviceId }));
    };
    const m = await outcomes(mixed.id);
    const failing = lab.filter(m.fails);
    const passing = lab.filter((d) => !m.fails(d));
    assert.ok(failing.length >= 1 && passing.length >= 4, `the plane fails some lab devices: ${failing.length} of 10`);
    const members = await insert(mixed.id, [...failing.slice(0, 2), ...passing.slice(0, 6 - Math.min(2, failing.length))]);
    const c = await outcomes(clean.id);
    const cleanMembers = await insert(clean.id, lab.filter((d) => !c.fails(d)).slice(0, 6));
    const cleanFailingOnPlane = lab.filter(c.fails).length;
    const id = mixed.id;
    const truth = new Map(lab.map((d) => [d, m.fails(d) ? 'failed' : 'succeeded']));
    const failedInRing = members.filter((x) => truth.get(x.fleetId) === 'failed').length;

    const done = await h.waitForState(id, ['completed', 'failed', 'rolled_back', 'blocked'], 120_000);
    const ring0 = (r: { body: { timeline: { type: string; data: Record<string, unknown> }[] } }) =>
      r.body.timeline.find((e) => (e.type === 'ring.halted' || e.type === 'ring.promoted') && e.data.ring === 'ring0-lab')!;
    const verdict = ring0(done);
    const counts = verdict.data.counts as { targeted: number; failed: number; succeeded: number; pending: number };
    assert.equal(h.sim.engine.states(m.key).length, 10, 'the plane deployed to (and reports) all 10 lab devices');
    // The verdict counted exactly the 6 members, not the 10 devices the plane reports.
    assert.equal(counts.targeted, 6, JSON.stringify(counts));
    assert.equal(verdict.type, 'ring.halted', 'a failure among ring 0 members halts it (threshold 100%)');
    assert.ok(counts.failed >= 1 && counts.failed <= failedInRing, JSON.stringify({ counts, failedInRing }));
    // Same plane, same package: a ring of only succeeding devices is promoted although the plane reports failures beside it.
    const cleanDone = await h
      .waitForEvent(clean.id, 'ring.deployed', 60_000)
      .then(() => h.waitForState(clean.id, ['completed', 'failed', 'rolled_back', 'blocked'], 120_000));
    const cleanVerdict = ring0(cleanDone);
    assert.equal(cleanVerdict.type, 'ring.promoted', JSON.stringify(cleanVerdict.data));
    assert.deepEqual(cleanVerdict.data.counts, {
      targeted: cleanMembers.length,
      succeeded: cleanMembers.length,
      failed: 0,
      pending: 0,
      notApplicable: 0,
    });
    assert.ok(cleanFailingOnPlane >= 1, 'the plane failed other lab devices of that deployment');
    console.log(
      `e2e: ring 0 = 6 members of 10 reached lab devices; ${failedInRing} members and ${failing.length} of 10 fail on the plane → ` +
        `${verdict.type} ${JSON.stringify(counts)}; ring of ${cleanMembers.length} succeeding members beside ${cleanFailingOnPlane} ` +
        `failing plane devices → ${cleanVerdict.type} ${JSON.stringify(cleanVerdict.data.counts)}`,
    );

    const rel = h.rel;
    const all = await request(h.api.app).get(`/api/v1/deployment-intents/${id}/devices`).set('Authorization', `Bearer ${rel}`);
    assert.equal(all.status, 200, JSON.stringify(all.body));
    const items = all.body.items as DeviceItem[];
    assert.deepEqual(
      items.map((x) => x.deviceKey),
      members.map((m) => m.deviceKey).sort(),
      'exactly the ring members, ordered by key',
    );
    assert.ok(items.every((x) => x.ring === 0 && x.name.startsWith('dev-')));
    const failed = items.filter((x) => x.state === 'failed');
    assert.equal(failed.length, counts.failed, 'the stored states are those of the verdict poll');
    for (const f of failed) {
      assert.equal(f.errorCode, '0x87D1041C');
      assert.match(f.errorMessage ?? '', /not detected after installation/);
      assert.ok(f.changedAt && !Number.isNaN(Date.parse(f.changedAt)));
      assert.equal(truth.get(members.find((m) => m.deviceKey === f.deviceKey)!.fleetId), 'failed', 'failed on the plane too');
    }
    const onlyFailed = await request(h.api.app)
      .get(`/api/v1/deployment-intents/${id}/devices?state=failed&ring=0`)
      .set('Authorization', `Bearer ${rel}`);
    assert.deepEqual(
      (onlyFailed.body.items as DeviceItem[]).map((x) => x.deviceKey),
      failed.map((x) => x.deviceKey),
    );

    // Keyset pages of 4 + 2 give the same 6 devices.
    const p1 = await request(h.api.app).get(`/api/v1/deployment-intents/${id}/devices?limit=4`).set('Authorization', `Bearer ${rel}`);
    assert.equal(p1.body.items.length, 4);
    const p2 = await request(h.api.app)
      .get(`/api/v1/deployment-intents/${id}/devices?limit=4&cursor=${p1.body.nextCursor}`)
      .set('Authorization', `Bearer ${rel}`);
    assert.equal(p2.body.nextCursor, null);
    assert.deepEqual(
      [...p1.body.items, ...p2.body.items].map((x: DeviceItem) => x.deviceKey),
      items.map((x) => x.deviceKey),
    );

    // Live ring progress in the intent, from the per-device table.
    const progress = (
      done.body.ringProgress as { ring: number; targeted: number; failed: number; succeeded: number; pending: number }[]
    )[0]!;
    assert.deepEqual(
      { ring: progress.ring, targeted: progress.targeted, failed: progress.failed },
      { ring: 0, targeted: 6, failed: counts.failed },
    );
    assert.equal(progress.succeeded + progress.pending + progress.failed, 6);

    // Bad input is 400 problem+json; another tenant's caller gets 404 and nothing else.
    const bad = await request(h.api.app)
      .get(`/api/v1/deployment-intents/${id}/devices?state=exploded`)
      .set('Authorization', `Bearer ${rel}`);
    assert.equal(bad.status, 400);
    assert.match(bad.headers['content-type'] ?? '', /application\/problem\+json/);
    const badCursor = await request(h.api.app)
      .get(`/api/v1/deployment-intents/${id}/devices?cursor=bm9wZQ`)
      .set('Authorization', `Bearer ${rel}`);
    assert.equal(badCursor.status, 400);
    const other = await createTestTenant(h.api.ds);
    const otherRel = await other.issue(['release_engineer']);
    const foreign = await request(h.api.app).get(`/api/v1/deployment-intents/${id}/devices`).set('Authorization', `Bearer ${otherRel}`);
    assert.equal(foreign.status, 404);
    assert.ok(!JSON.stringify(foreign.body).includes(members[0]!.deviceKey));
  });
});
