import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import request from 'supertest';
import { DeviceRepository } from '@eucora/persistence';
import { createTestTenant, startTestApi, type TestTenant } from '../test-support/test-stack';

/** `GET /api/v1/devices` on the real database: roles, tenant scope, filters, keyset cursor and problem+json on bad input. */
describe('devices router', () => {
  let api: Awaited<ReturnType<typeof startTestApi>>;
  let a: TestTenant;
  let b: TestTenant;
  const tokens: Record<string, string> = {};

  before(async () => {
    api = await startTestApi();
    a = await createTestTenant(api.ds);
    b = await createTestTenant(api.ds);
    for (const role of ['admin', 'release_engineer', 'change_manager', 'auditor', 'sre', 'security_reviewer', 'agent'] as const)
      tokens[role] = await a.issue([role], role);
    const repo = new DeviceRepository(api.ds);
    const now = new Date().toISOString();
    const dev = (i: number, platform: 'windows' | 'macos', groups: string[]) => ({
      deviceKey: `k-${String(i).padStart(3, '0')}`,
      name: `D-${i}`,
      platform,
      groups,
    });
    await repo.upsertMany(
      a.tenantId,
      'intune',
      Array.from({ length: 25 }, (_, i) => dev(i, i % 5 === 0 ? 'macos' : 'windows', i % 2 ? ['dept-finance'] : [])),
      now,
    );
    await repo.upsertMany(
      a.tenantId,
      'jamf',
      Array.from({ length: 7 }, (_, i) => dev(i, 'macos', ['all-macos'])),
      now,
    );
    await repo.upsertMany(b.tenantId, 'intune', [dev(999, 'windows', ['dept-finance'])], now);
  });
  after(async () => api.close());

  const get = (query: string, token = tokens.auditor!) =>
    request(api.app).get(`/api/v1/devices${query}`).set('Authorization', `Bearer ${token}`);

  it('admin, release engineer, change manager, auditor and sre may read; security reviewer and agent may not', async () => {
    for (const role of ['admin', 'release_engineer', 'change_manager', 'auditor', 'sre'])
      assert.equal((await get('?limit=1', tokens[role])).status, 200, role);
    for (const role of ['security_reviewer', 'agent']) assert.equal((await get('?limit=1', tokens[role])).status, 403, role);
    assert.equal((await request(api.app).get('/api/v1/devices')).status, 401);
  });

  it('pages through every device of the tenant once, across planes, with filters', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res = await get(`?limit=10${cursor ? `&cursor=${cursor}` : ''}`);
      assert.equal(res.status, 200);
      seen.push(...res.body.items.map((d: { plane: string; deviceKey: string }) => `${d.plane}/${d.deviceKey}`));
      cursor = res.body.nextCursor;
    } while (cursor);
    assert.equal(seen.length, 32);
    assert.equal(new Set(seen).size, 32);
    assert.ok(!seen.includes('intune/k-999'), 'other tenant invisible');
    const fin = await get('?plane=intune&group=dept-finance&platform=windows&limit=100');
    assert.equal(fin.body.items.length, [...Array(25).keys()].filter((i) => i % 2 === 1 && i % 5 !== 0).length);
    const wanted = (d: { platform: string; groups: string[] }) => d.platform === 'windows' && d.groups.includes('dept-finance');
    assert.ok(fin.body.items.every(wanted));
    assert.equal(fin.body.items[0].tenantId, undefined);
  });

  it('bad input is a 400 problem', async () => {
    for (const q of ['?plane=nope', '?limit=0', '?limit=5000', '?cursor=%%%', '?cursor=bm90LWpzb24', '?platform=ios', '?unknown=1']) {
      const res = await get(q);
      assert.equal(res.status, 400, q);
      assert.match(res.headers['content-type'] ?? '', /application\/problem\+json/, q);
    }
  });
});
