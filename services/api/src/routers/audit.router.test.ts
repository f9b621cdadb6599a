import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { computeEventHash, GENESIS_HASH } from '@eucora/core';
import { createMinioClient, loadKeyring } from '@eucora/runtime';
import { AuditService } from '../services/audit.service';
import { auditStores } from '../stores';
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

  const verify = (query = '', token = auditor) =>
    request(api.app).get(`/api/v1/audit/verify${query}`).set('Authorization', `Bearer ${token}`);
  const tamper = (eventId: string, reason: string) =>
    su.transaction(async (em) => {
      await em.query(`ALTER TABLE events DISABLE TRIGGER events_no_update_delete`);
      await em.query(`UPDATE events SET reason = $2 WHERE event_id = $1`, [eventId, reason]);
      await em.query(`ALTER TABLE events ENABLE ALWAYS TRIGGER events_no_update_delete`);
    });

  it('verifies an intact chain and then signs its head into the WORM bucket; the next verify starts there', async () => {
    const v = await verify();
    assert.equal(v.status, 200);
    assert.deepEqual(
      { ok: v.body.ok, checked: v.body.checked, mode: v.body.mode, fromSeq: v.body.fromSeq },
      { ok: true, checked: 5, mode: 'incremental', fromSeq: '0' },
    );
    assert.equal(v.body.newCheckpoint.tenantSeq, '5');
    const worm = createMinioClient(api.config);
    const stored = await worm.statObject(api.config.S3_BUCKET, v.body.newCheckpoint.objectKey);
    const retention = await worm.getObjectRetention(api.config.S3_BUCKET, v.body.newCheckpoint.objectKey, { versionId: stored.versionId! });
    assert.ok(Date.parse(String(retention!.retainUntilDate)) > Date.now(), 'the checkpoint is object-locked');
    const again = await verify();
    assert.deepEqual(
      { ok: again.body.ok, checked: again.body.checked, fromSeq: again.body.fromSeq, cp: again.body.checkpoint.tenantSeq },
      { ok: true, checked: 0, fromSeq: '5', cp: '5' },
    );
    assert.equal((await verify('?full=yes')).status, 400);
  });

  it('numbers events per tenant (1, 2, …), also under concurrent appends, so no tenant sees another one’s volume', async () => {
    const other = await createTestTenant(api.ds);
    await Promise.all(Array.from({ length: 12 }, (_, i) => other.issue(['sre'], `parallel-${i}`)));
    const rows: { tenant_seq: string }[] = await su.query(`SELECT tenant_seq FROM events WHERE tenant_id = $1 ORDER BY tenant_seq`, [
      other.tenantId,
    ]);
    assert.deepEqual(
      rows.map((r) => Number(r.tenant_seq)),
      rows.map((_, i) => i + 1),
    );
    const otherAuditor = await other.issue(['auditor']);
    const page = await request(api.app).get('/api/v1/audit/events?limit=3').set('Authorization', `Bearer ${otherAuditor}`);
    assert.deepEqual(
      page.body.items.map((e: { seq: string }) => e.seq),
      ['1', '2', '3'],
    );
    assert.equal((await verify('', otherAuditor)).body.ok, true);
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

  it('a tamper made as superuser before the last checkpoint fails full verify, naming the row', async () => {
    const rows = await su.query(`SELECT tenant_seq, event_id FROM events WHERE tenant_id = $1 ORDER BY tenant_seq`, [tenant.tenantId]);
    const victim = rows[2];
    await tamper(victim.event_id, 'nothing to see here');
    // The default verify starts at the signed checkpoint (seq 5), which was verified when it was signed.
    assert.equal((await verify()).body.ok, true);
    const v = await verify('?full=true');
    assert.equal(v.body.ok, false);
    assert.equal(v.body.checked, 2);
    assert.deepEqual(v.body.firstBroken, { seq: String(victim.tenant_seq), eventId: victim.event_id, reason: 'hash_mismatch' });
  });

  it('a tamper after the last checkpoint fails the default (incremental) verify', async () => {
    const t = await createTestTenant(api.ds);
    const aud = await t.issue(['auditor']);
    assert.equal((await verify('', aud)).body.newCheckpoint.tenantSeq, '2');
    await t.issue(['sre'], 'later-1');
    await t.issue(['sre'], 'later-2');
    const rows = await su.query(`SELECT tenant_seq, event_id FROM events WHERE tenant_id = $1 AND tenant_seq = 4`, [t.tenantId]);
    await tamper(rows[0].event_id, 'edited after the checkpoint');
    const v = await verify('', aud);
    assert.equal(v.body.ok, false);
    assert.equal(v.body.fromSeq, '2');
    assert.deepEqual(v.body.firstBroken, { seq: '4', eventId: rows[0].event_id, reason: 'hash_mismatch' });
  });

  it('a checkpoint whose row was edited (signature no longer matches) is refused', async () => {
    const t = await createTestTenant(api.ds);
    const aud = await t.issue(['auditor']);
    assert.equal((await verify('', aud)).body.ok, true);
    await assert.rejects(
      api.ds.query(`UPDATE audit_checkpoints SET head_hash = $2 WHERE tenant_id = $1`, [t.tenantId, 'f'.repeat(64)]),
      /permission denied/,
    );
    await su.query(`UPDATE audit_checkpoints SET head_hash = $2 WHERE tenant_id = $1`, [t.tenantId, 'f'.repeat(64)]);
    for (const q of ['', '?full=true']) {
      const v = await verify(q, aud);
      assert.equal(v.body.ok, false);
      assert.equal(v.body.firstBroken.reason, 'checkpoint_invalid');
      assert.match(v.body.firstBroken.detail, /signature/);
    }
  });

  it('a rewrite of the whole chain with recomputed hashes is caught by the signed checkpoint (default and full)', async () => {
    const t = await createTestTenant(api.ds);
    const aud = await t.issue(['auditor']);
    await t.issue(['sre'], 'before-rewrite');
    assert.equal((await verify('', aud)).body.newCheckpoint.tenantSeq, '3');
    // The attacker edits event 2 and recomputes every hash after it and the head: the chain alone is consistent again.
    const rows = await su.query(`SELECT * FROM events WHERE tenant_id = $1 ORDER BY tenant_seq`, [t.tenantId]);
    let prev = GENESIS_HASH;
    await su.transaction(async (em) => {
      await em.query(`ALTER TABLE events DISABLE TRIGGER events_no_update_delete`);
      for (const r of rows) {
        const reason = r.tenant_seq === '2' ? 'rewritten history' : r.reason;
        const hash = computeEventHash({
          eventId: r.event_id,
          tenantId: r.tenant_id,
          aggregateType: r.aggregate_type,
          aggregateId: r.aggregate_id,
          eventType: r.event_type,
          actor: r.actor,
          reason,
          data: r.data,
          correlationId: r.correlation_id,
          createdAt: r.created_at,
          schemaVersion: r.schema_version,
          prevHash: prev,
        });
        await em.query(`UPDATE events SET reason = $2, prev_hash = $3, hash = $4 WHERE event_id = $1`, [r.event_id, reason, prev, hash]);
        prev = hash;
      }
      await em.query(`ALTER TABLE events ENABLE ALWAYS TRIGGER events_no_update_delete`);
      await em.query(`UPDATE event_chain_heads SET last_hash = $2 WHERE tenant_id = $1`, [t.tenantId, prev]);
    });
    for (const q of ['', '?full=true']) {
      const v = await verify(q, aud);
      assert.equal(v.body.ok, false, q);
      assert.deepEqual([v.body.firstBroken.reason, v.body.firstBroken.seq], ['checkpoint_mismatch', '3'], q);
    }
  });

  it('the periodic run checkpoints tenants with enough new events, and reports (never signs) a broken chain', async () => {
    const keyFile = process.env.EVIDENCE_SIGNING_KEY_FILE!;
    const audit = new AuditService(auditStores(api.ds), {
      checkpoints: { minio: createMinioClient(api.config), bucket: api.config.S3_BUCKET, keys: () => loadKeyring(keyFile) },
    });
    const [good, bad] = [await createTestTenant(api.ds), await createTestTenant(api.ds)];
    for (let i = 0; i < 4; i++) await Promise.all([good.issue(['sre'], `periodic-${i}`), bad.issue(['sre'], `periodic-${i}`)]);
    const victim = await su.query(`SELECT event_id FROM events WHERE tenant_id = $1 AND tenant_seq = 3`, [bad.tenantId]);
    await tamper(victim[0].event_id, 'edited before any checkpoint');
    // Limited to this test's tenants: other test files share the database and must not get checkpoints from here.
    const run = await audit.checkpointDue(5, [good.tenantId, bad.tenantId]);
    assert.equal(run.written, 1);
    assert.deepEqual(
      run.broken.map((b) => [b.tenantId, b.firstBroken?.seq, b.firstBroken?.reason]),
      [[bad.tenantId, '3', 'hash_mismatch']],
    );
    const rows = await su.query(`SELECT tenant_id, tenant_seq FROM audit_checkpoints WHERE tenant_id = ANY($1)`, [
      [good.tenantId, bad.tenantId],
    ]);
    assert.deepEqual(
      rows.map((r: { tenant_id: string; tenant_seq: string }) => [r.tenant_id, r.tenant_seq]),
      [[good.tenantId, '5']],
    );
    assert.equal((await audit.checkpointDue(5, [good.tenantId])).written, 0, 'nothing new since the checkpoint');
  });

  it('filters and pages audit events with a cursor, scoped to the tenant', async () => {
    const first = await request(api.app)
      .get('/api/v1/audit/events?aggregateType=api_token&limit=2')
      .set('Authorization', `Bearer ${auditor}`);
    assert.equal(first.status, 200);
    assert.equal(first.body.items.length, 2);
    const second = await request(api.app)
      .get(`/api/v1/audit/events?aggregateType=api_token&limit=2&cursor=${first.body.nextCursor}`)
      .set('Authorization', `Bearer ${auditor}`);
    assert.ok(second.body.items.length >= 1);
    assert.ok(Number(second.body.items[0].seq) > Number(first.body.items[1].seq));
    assert.ok([...first.body.items, ...second.body.items].every((e: { tenantId: string }) => e.tenantId === tenant.tenantId));
    const sre = await tenant.issue(['sre']);
    assert.equal((await request(api.app).get('/api/v1/audit/events').set('Authorization', `Bearer ${sre}`)).status, 403);
  });
});
