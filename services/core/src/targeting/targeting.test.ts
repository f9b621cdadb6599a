import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveTargets, type TargetableDevice } from './targeting';
import { computeRingMembership, ringRankKey } from './ring-membership';

function fleet(n: number): TargetableDevice[] {
  const out: TargetableDevice[] = [];
  for (let i = 0; i < n; i++) {
    const platform = i % 10 < 7 ? 'windows' : i % 10 < 9 ? 'macos' : 'linux';
    const groups = [`all-${platform}`];
    if (i % 97 === 0) groups.push('finance');
    if (i < 20) groups.push('lab');
    out.push({ id: `dev-${String(i).padStart(6, '0')}`, platform, groups });
  }
  return out;
}

test('targets = union of groups ∩ platform − exclusions, sorted and hashed', () => {
  const devices = fleet(10_000);
  const snap = resolveTargets(devices, { groups: ['all-windows', 'finance'], exclusions: ['finance'], platform: 'windows' });
  const expected = devices.filter((d) => d.platform === 'windows' && !d.groups.includes('finance')).map((d) => d.id);
  assert.equal(snap.count, expected.length);
  assert.deepEqual(snap.deviceIds, [...expected].sort());
  // finance devices of other platforms are counted in the split but never targeted
  assert.ok(snap.platformSplit.macos > 0 && snap.otherPlatform === snap.platformSplit.macos + snap.platformSplit.linux);
  assert.equal(snap.excluded, devices.filter((d) => d.platform === 'windows' && d.groups.includes('finance')).length);
  assert.match(snap.sha256, /^[a-f0-9]{64}$/);
  const again = resolveTargets([...devices].reverse(), {
    groups: ['finance', 'all-windows'],
    exclusions: ['finance'],
    platform: 'windows',
  });
  assert.equal(again.sha256, snap.sha256, 'order of inventory and groups does not change the snapshot');
});

test('unknown groups and stale devices are reported, not targeted', () => {
  const devices: TargetableDevice[] = [
    { id: 'a', platform: 'linux', groups: ['g'] },
    { id: 'b', platform: 'linux', groups: ['g'], stale: true },
  ];
  const snap = resolveTargets(devices, { groups: ['g', 'nope'], exclusions: [], platform: 'linux' });
  assert.deepEqual(snap.deviceIds, ['a']);
  assert.equal(snap.stale, 1);
  assert.deepEqual(snap.unknownGroups, ['nope']);
  assert.equal(resolveTargets(devices, { groups: ['nope'], exclusions: [], platform: 'linux' }).count, 0);
});

const rings = [
  { name: 'ring0-lab', group: 'lab' },
  { name: 'ring1-canary', percent: 1 },
  { name: 'ring2-pilot', percent: 10 },
  { name: 'ring3-broad', percent: 100 },
];

function members(devices: TargetableDevice[], targets: string[], packageName = 'Contoso VPN') {
  const lab = new Set(devices.filter((d) => d.groups.includes('lab')).map((d) => d.id));
  return computeRingMembership({ tenantId: 't1', packageName, targets, groupMembers: new Map([['lab', lab]]), rings });
}

test('rings are disjoint, cover the targets, and percent rings are within one device of their share', () => {
  const devices = fleet(10_000);
  const snap = resolveTargets(devices, { groups: ['all-windows'], exclusions: [], platform: 'windows' });
  const r = members(devices, snap.deviceIds);
  const all = r.flatMap((x) => x.deviceIds);
  assert.equal(new Set(all).size, all.length, 'no device in two rings');
  assert.equal(all.length, snap.count, 'every target is in a ring');
  const labTargets = devices.filter((d) => d.groups.includes('lab') && d.platform === 'windows').length;
  assert.equal(r[0]!.deviceIds.length, labTargets);
  const rest = snap.count - labTargets;
  assert.ok(Math.abs(r[1]!.deviceIds.length - rest * 0.01) <= 1, `canary ${r[1]!.deviceIds.length} vs ${rest * 0.01}`);
  assert.ok(Math.abs(r[2]!.deviceIds.length - rest * 0.1) <= 1, `pilot ${r[2]!.deviceIds.length} vs ${rest * 0.1}`);
  assert.equal(r[3]!.deviceIds.length, rest - r[1]!.deviceIds.length - r[2]!.deviceIds.length);
});

test('a device keeps its ring across versions of the same package, and rings differ between packages', () => {
  const devices = fleet(5_000);
  const snap = resolveTargets(devices, { groups: ['all-windows'], exclusions: [], platform: 'windows' });
  const v1 = members(devices, snap.deviceIds);
  const v2 = members(devices, [...snap.deviceIds]);
  assert.deepEqual(
    v2.map((x) => x.sha256),
    v1.map((x) => x.sha256),
  );
  const other = members(devices, snap.deviceIds, 'Another App');
  assert.notEqual(other[1]!.sha256, v1[1]!.sha256, 'the canary of another package is another sample');
  assert.equal(ringRankKey('t1', 'Contoso VPN', 'x'), ringRankKey('t1', 'CONTOSO vpn', 'x'));
});

test('the last ring takes the rest even when its percent is below 100', () => {
  const targets = Array.from({ length: 1000 }, (_, i) => `d${i}`);
  const r = computeRingMembership({
    tenantId: 't',
    packageName: 'p',
    targets,
    groupMembers: new Map(),
    rings: [
      { name: 'a', percent: 5 },
      { name: 'b', percent: 10 },
    ],
  });
  assert.equal(r[0]!.deviceIds.length, 50);
  assert.equal(r[1]!.deviceIds.length, 950);
});
