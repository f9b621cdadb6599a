import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { createTestTenant, startTestApi, type TestTenant } from '../test-support/test-stack';

/** Plays an attacker with superuser access to PostgreSQL: the tamper must be detected and the row named. */
describe('audit trail: append-only and tamper-evident', () => {
  let api: Awaited<ReturnType<typeof startTestApi>>;
  let su: DataSource;
  let tenant: TestTenant;
  let auditor: string;

  before(async () => {
    api = await startTestApi();
    su = new DataSource({ type: 'postgres', url: process.env.EUCORA_TEST_SUPERUSER_URL! });
    await su.initialize();
    tenant = await createTestTenant(api.ds);
    auditor = await tenant.issue(['auditor'], 'aude');
    for (let i = 0; i < 3; i++) await tenant.issue(['sre'], `sre-${i}`);
  });
  after(async () => {
    await su.destroy();
    await api.close();
  });

  const verify = () => request(api.app).get('/api/v1/audit/verify').set('Authorization', `Bearer ${auditor}`);

  it('verifies an intact chain', async () => {
    const v = await verify();
    assert.equal(v.status, 200);
    assert.deepEqual({ ok: v.body.ok, checked: v.body.checked }, { ok: true, checked: 5 });
  });

  it('the triggers fire for the superuser too, even under session_replication_role = replica', async () => {
    await assert.rejects(su.query(`UPDATE events SET reason = 'x' WHERE tenant_id = $1`, [tenant.tenantId]), /append-only/);
    const runner = su.createQueryRunner();
    try {
      await runner.query(`SET session_replication_role = replica`);
      await assert.rejects(runner.query(`DELETE FROM events WHERE tenant_id = $1`, [tenant.tenantId]), /append-only/);
    } finally {
      await runner.query(`RESET session_replication_role`);
      await runner.release();
    }
    const owner = await su.query(`SELECT tableowner FROM pg_tables WHERE tablename = 'events'`);
    assert.notEqual(owner[0].tableowner, 'eucora_app');
  });

  it('a tamper made as superuser (triggers disabled) fails verify, naming the row', async () => {
    const rows = await su.query(`SELECT seq, event_id FROM events WHERE tenant_id = $1 ORDER BY seq`, [tenant.tenantId]);
    const victim = rows[2];
    await su.transaction(async (em) => {
      await em.query(`ALTER TABLE events DISABLE TRIGGER events_no_update_delete`);
      await em.query(`UPDATE events SET reason = 'nothing to see here' WHERE event_id = $1`, [victim.event_id]);
      await em.query(`ALTER TABLE events ENABLE ALWAYS TRIGGER events_no_update_delete`);
    });
    const v = await verify();
    assert.equal(v.body.ok, false);
    assert.equal(v.body.checked, 2);
    assert.deepEqual(v.body.firstBroken, { seq: String(victim.seq), eventId: victim.event_id, reason: 'hash_mismatch' });
  });

  it('filters and pages audit events with a cursor, scoped to the tenant', async () => {
    const first = await request(api.app).get('/api/v1/audit/events?aggregateType=api_token&limit=2').set('Authorization', `Bearer ${auditor}`);
    assert.equal(first.status, 200);
    assert.equal(first.body.items.length, 2);
    const second = await request(api.app).get(`/api/v1/audit/events?aggregateType=api_token&limit=2&cursor=${first.body.nextCursor}`).set('Authorization', `Bearer ${auditor}`);
    assert.ok(second.body.items.length >= 1);
    assert.ok(Number(second.body.items[0].seq) > Number(first.body.items[1].seq));
    assert.ok([...first.body.items, ...second.body.items].every((e: { tenantId: string }) => e.tenantId === tenant.tenantId));
    const sre = await tenant.issue(['sre']);
    assert.equal((await request(api.app).get('/api/v1/audit/events').set('Authorization', `Bearer ${sre}`)).status, 403);
  });
});
