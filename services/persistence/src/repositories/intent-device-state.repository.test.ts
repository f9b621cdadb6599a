import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createDataSource } from '../data-source';
import { TenantRepository } from './tenant.repository';
import { IntentDeviceStateRepository } from './intent-device-state.repository';

// Real PostgreSQL of the `npm test` stack, as the application role.
const ds = createDataSource({ url: process.env.DATABASE_URL ?? 'postgres://missing' });
const repo = new IntentDeviceStateRepository(ds);
let tenantA = '';
let tenantB = '';
let intentA = '';

async function intent(tenantId: string): Promise<string> {
  const id = randomUUID();
  await ds.query(
    `INSERT INTO deployment_intents (id, tenant_id, title, change_type, plane, state, spec, submitted_by, submitted_by_token_id,
                                     correlation_id, workflow_id)
     VALUES ($1, $2, 't', 'standard', 'intune', 'rolling_out', '{}', 'u', $3, 'c', $4)`,
    [id, tenantId, randomUUID(), `wf-${id}`],
  );
  return id;
}

before(async () => {
  await ds.initialize();
  const tenants = new TenantRepository(ds);
  tenantA = (await tenants.create({ id: randomUUID(), slug: `ids-a-${randomUUID().slice(0, 8)}`, name: 'A' })).id;
  tenantB = (await tenants.create({ id: randomUUID(), slug: `ids-b-${randomUUID().slice(0, 8)}`, name: 'B' })).id;
  intentA = await intent(tenantA);
  // 2,000 ring-1 members and 3 ring-0 members (stand-in for the targeting helper's frozen ring lists).
  const rows = [
    ...[0, 1, 2].map((i) => [0, `k0-${i}`]),
    ...Array.from({ length: 2000 }, (_, i) => [1, `k1-${String(i).padStart(5, '0')}`]),
  ];
  await ds.query(
    `INSERT INTO intent_ring_devices (tenant_id, intent_id, ring_index, device_key, directory_id, name)
     SELECT $1, $2, (x->>0)::int, x->>1, NULL, 'n-' || (x->>1) FROM jsonb_array_elements($3::jsonb) x`,
    [tenantA, intentA, JSON.stringify(rows)],
  );
});
after(async () => ds.destroy());

test('bulk upsert writes only changed states; progress counts exactly each ring, unreported members pending', async () => {
  assert.deepEqual(
    (await repo.members(tenantA, intentA, 0)).map((m) => m.deviceKey),
    ['k0-0', 'k0-1', 'k0-2'],
  );
  assert.deepEqual(await repo.members(tenantB, intentA, 0), [], 'another tenant sees no members');
  const now = new Date().toISOString();
  const ring1 = Array.from({ length: 2000 }, (_, i) => ({
    deviceKey: `k1-${String(i).padStart(5, '0')}`,
    state: (i % 10 === 0 ? 'failed' : i % 10 === 1 ? 'pending' : 'succeeded') as 'failed' | 'pending' | 'succeeded',
    ...(i % 10 === 0 ? { errorCode: '0x87D1041C', errorMessage: 'not detected' } : {}),
  }));
  const t0 = Date.now();
  assert.equal(await repo.saveStates(tenantA, intentA, 1, ring1, now), 2000);
  const firstMs = Date.now() - t0;
  assert.equal(await repo.saveStates(tenantA, intentA, 1, ring1, now), 0, 'an unchanged poll writes nothing');
  const changed = ring1.map((d, i) => (i === 1 ? { ...d, state: 'succeeded' as const } : d));
  assert.equal(await repo.saveStates(tenantA, intentA, 1, changed, new Date().toISOString()), 1, 'one changed device, one row');
  assert.equal(
    await repo.saveStates(tenantA, intentA, 0, [{ deviceKey: 'k0-0', state: 'failed', errorCode: '1', errorMessage: 'exit 1' }], now),
    1,
  );
  console.log(`intent_device_states: 2000-device upsert in ${firstMs} ms; unchanged re-poll wrote 0 rows; one change wrote 1`);

  assert.deepEqual(await repo.progress(tenantA, intentA), [
    { ring: 0, targeted: 3, succeeded: 0, failed: 1, pending: 2, notApplicable: 0 },
    { ring: 1, targeted: 2000, succeeded: 1601, failed: 200, pending: 199, notApplicable: 0 },
  ]);
  assert.deepEqual(await repo.progress(tenantB, intentA), []);

  const failed = await repo.page(tenantA, intentA, { ring: 1, state: 'failed', limit: 1000 });
  assert.equal(failed.length, 200);
  assert.ok(failed.every((d) => d.errorCode === '0x87D1041C' && d.errorMessage === 'not detected' && d.changedAt));
  // Keyset pages over both rings cover each device once, ring 0 first.
  const seen: string[] = [];
  let after: { ring: number; deviceKey: string } | undefined;
  for (;;) {
    const page = await repo.page(tenantA, intentA, { after, limit: 700 });
    if (page.length === 0) break;
    seen.push(...page.map((d) => d.deviceKey));
    after = { ring: page.at(-1)!.ring, deviceKey: page.at(-1)!.deviceKey };
  }
  assert.equal(seen.length, 2003);
  assert.equal(new Set(seen).size, 2003);
  assert.deepEqual(seen.slice(0, 3), ['k0-0', 'k0-1', 'k0-2']);
  const unreported = (await repo.page(tenantA, intentA, { ring: 0 })).find((d) => d.deviceKey === 'k0-1')!;
  assert.deepEqual({ state: unreported.state, changedAt: unreported.changedAt }, { state: 'pending', changedAt: null });
  assert.deepEqual(await repo.page(tenantB, intentA, {}), [], 'tenant-scoped');
});
