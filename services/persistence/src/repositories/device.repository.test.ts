import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createDataSource } from '../data-source';
import { TenantRepository } from './tenant.repository';
import { DeviceRepository, type DeviceUpsert } from './device.repository';

// Real PostgreSQL of the `npm test` stack, as the application role.
const ds = createDataSource({ url: process.env.DATABASE_URL ?? 'postgres://missing' });
const repo = new DeviceRepository(ds);
let tenantA = '';
let tenantB = '';

const device = (i: number, groups: string[] = []): DeviceUpsert => ({
  deviceKey: `dev-${String(i).padStart(6, '0')}`,
  name: `WIN-${i}`,
  platform: i % 3 === 0 ? 'macos' : 'windows',
  groups: [`all-${i % 3 === 0 ? 'macos' : 'windows'}`, ...groups],
});

before(async () => {
  await ds.initialize();
  const tenants = new TenantRepository(ds);
  tenantA = (await tenants.create({ id: randomUUID(), slug: `dev-a-${randomUUID().slice(0, 8)}`, name: 'A' })).id;
  tenantB = (await tenants.create({ id: randomUUID(), slug: `dev-b-${randomUUID().slice(0, 8)}`, name: 'B' })).id;
});
after(async () => ds.destroy());

test('bulk upsert of 10k devices, keyset pages cover each device once, tenants are isolated', async () => {
  const devices = Array.from({ length: 10_000 }, (_, i) => device(i, i % 50 === 0 ? ['finance'] : []));
  for (let i = 0; i < devices.length; i += 2000) {
    assert.equal(await repo.upsertMany(tenantA, 'intune', devices.slice(i, i + 2000), new Date().toISOString()), 2000);
  }
  const seen = new Set<string>();
  let after: string | undefined;
  let pages = 0;
  for (;;) {
    const page = await repo.page(tenantA, { plane: 'intune', after, limit: 1500 });
    pages++;
    for (const d of page.devices) {
      assert.ok(!seen.has(d.deviceKey), `${d.deviceKey} twice`);
      seen.add(d.deviceKey);
    }
    if (!page.nextAfter) break;
    after = page.nextAfter;
  }
  assert.equal(seen.size, 10_000);
  assert.equal(pages, 7);
  assert.equal((await repo.page(tenantB, { plane: 'intune' })).devices.length, 0, 'another tenant sees none');
  const finance = await repo.inGroups(tenantA, 'intune', ['finance']);
  assert.equal(finance.length, 200);
  const counts = await repo.counts(tenantA, 'intune');
  assert.equal(counts.total, 10_000);
  assert.equal(counts.byPlatform.macos, devices.filter((d) => d.platform === 'macos').length);
});

test('a device no sync has seen is marked stale, never deleted; seeing it again clears it', async () => {
  const t0 = new Date(Date.now() - 3600_000).toISOString();
  await repo.upsertMany(tenantB, 'jamf', [device(1), device(2)], t0);
  const t1 = new Date().toISOString();
  await repo.upsertMany(tenantB, 'jamf', [device(1, ['lab'])], t1);
  assert.equal(await repo.markStale(tenantB, 'jamf', new Date(Date.now() - 60_000).toISOString()), 1);
  const all = await repo.page(tenantB, { plane: 'jamf', includeStale: true });
  assert.deepEqual(
    all.devices.map((d) => [d.deviceKey, d.stale]),
    [
      ['dev-000001', false],
      ['dev-000002', true],
    ],
  );
  assert.deepEqual(all.devices[0]!.groups, ['all-windows', 'lab']);
  assert.equal((await repo.page(tenantB, { plane: 'jamf' })).devices.length, 1, 'stale devices are hidden by default');
  await repo.upsertMany(tenantB, 'jamf', [device(2)], new Date().toISOString());
  assert.equal((await repo.counts(tenantB, 'jamf')).stale, 0);
});

test('a read without groups keeps the stored ones; a full membership read replaces them and clears unlisted devices', async () => {
  const t0 = new Date(Date.now() - 60_000).toISOString();
  await repo.upsertMany(tenantB, 'sccm', [device(10, ['dept-a']), device(11, ['dept-b']), device(12, ['dept-c'])], t0);
  const t1 = new Date().toISOString();
  // The plane's device pages carry no groups (SCCM, Intune, AWX): groups and directory ids stay as they were.
  await repo.upsertMany(
    tenantB,
    'sccm',
    [10, 11, 12].map((i) => ({ ...device(i), groups: undefined, osVersion: '2' })),
    t1,
  );
  const kept = (await repo.page(tenantB, { plane: 'sccm' })).devices;
  assert.deepEqual(
    kept.map((d) => [d.groups.includes(`dept-${'abc'[Number(d.deviceKey.slice(-1))]}`), d.osVersion]),
    [
      [true, '2'],
      [true, '2'],
      [true, '2'],
    ],
  );
  // Device 12 is in no group any more; device 10 changed group and got a directory id.
  const changed = await repo.replaceGroups(
    tenantB,
    'sccm',
    [
      { deviceKey: 'dev-000010', groups: ['dept-z'], directoryId: 'dir-10' },
      { deviceKey: 'dev-000011', groups: kept[1]!.groups },
    ],
    t1,
  );
  assert.equal(changed, 2, 'device 10 changed, device 12 cleared, device 11 untouched');
  const after = new Map((await repo.page(tenantB, { plane: 'sccm' })).devices.map((d) => [d.deviceKey, d]));
  assert.deepEqual(after.get('dev-000010')!.groups, ['dept-z']);
  assert.equal(after.get('dev-000010')!.directoryId, 'dir-10');
  assert.deepEqual(after.get('dev-000011')!.groups, kept[1]!.groups);
  assert.deepEqual(after.get('dev-000012')!.groups, []);
});
