import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { MIGRATIONS } from './run-migrations';

/** The tenant_seq migration over a database that already holds interleaved events of two tenants. */
describe('migration AuditTenantSeq1764300000000 on existing data', () => {
  const name = `eucora_mig_${randomUUID().slice(0, 8)}`;
  let admin: DataSource;
  let db: DataSource;
  const url = () => {
    const u = new URL(process.env.EUCORA_TEST_SUPERUSER_URL!);
    u.pathname = `/${name}`;
    return u.toString();
  };

  before(async () => {
    admin = new DataSource({ type: 'postgres', url: process.env.EUCORA_TEST_SUPERUSER_URL! });
    await admin.initialize();
    await admin.query(`CREATE DATABASE ${name}`);
  });
  after(async () => {
    await db?.destroy().catch(() => undefined);
    await admin.query(`DROP DATABASE IF EXISTS ${name}`);
    await admin.destroy();
  });

  it('numbers each tenant 1..n in insertion order, keeps the append-only trigger, and enforces uniqueness', async () => {
    const index = MIGRATIONS.findIndex((m) => m.name === 'AuditTenantSeq1764300000000');
    const migrations = MIGRATIONS.slice(0, index);
    const older = new DataSource({ type: 'postgres', url: url(), migrations, migrationsTransactionMode: 'each' });
    await older.initialize();
    await older.runMigrations();
    const [a, b] = [randomUUID(), randomUUID()];
    for (const [id, slug] of [
      [a, 'tenant-a'],
      [b, 'tenant-b'],
    ]) {
      await older.query(`INSERT INTO tenants (id, slug, name) VALUES ($1, $2, $2)`, [id, slug]);
    }
    const order = [a, b, a, a, b, a];
    for (const [i, t] of order.entries()) {
      await older.query(
        `INSERT INTO events (event_id, tenant_id, aggregate_type, aggregate_id, event_type, actor, reason, data, correlation_id, created_at,
           schema_version, prev_hash, hash, dedupe_key) VALUES ($1, $2, 'x', 'x', 'x', 'x', 'x', '{}', 'c', $3, 1, 'p', $4, $5)`,
        [randomUUID(), t, new Date(1_700_000_000_000 + i).toISOString(), `h${i}`, `d${i}`],
      );
    }
    await older.destroy();

    db = new DataSource({ type: 'postgres', url: url(), migrations: MIGRATIONS.slice(0, index + 1), migrationsTransactionMode: 'each' });
    await db.initialize();
    assert.deepEqual(
      (await db.runMigrations()).map((m) => m.name),
      ['AuditTenantSeq1764300000000'],
    );
    const rows: { tenant_id: string; tenant_seq: string; hash: string }[] = await db.query(
      `SELECT tenant_id, tenant_seq, hash FROM events ORDER BY seq`,
    );
    assert.deepEqual(
      rows.map((r) => [r.tenant_id === a ? 'a' : 'b', r.tenant_seq, r.hash]),
      [
        ['a', '1', 'h0'],
        ['b', '1', 'h1'],
        ['a', '2', 'h2'],
        ['a', '3', 'h3'],
        ['b', '2', 'h4'],
        ['a', '4', 'h5'],
      ],
    );
    const trig = await db.query(`SELECT tgenabled FROM pg_trigger WHERE tgname = 'events_no_update_delete'`);
    assert.equal(trig[0].tgenabled, 'A', 'the trigger is ENABLE ALWAYS again');
    await assert.rejects(db.query(`UPDATE events SET reason = 'y'`), /append-only/);
    await assert.rejects(
      db.query(
        `INSERT INTO events (event_id, tenant_id, aggregate_type, aggregate_id, event_type, actor, reason, data, correlation_id, created_at,
           schema_version, prev_hash, hash, dedupe_key, tenant_seq)
         VALUES ($1, $2, 'x', 'x', 'x', 'x', 'x', '{}', 'c', 't', 1, 'p', 'h', 'dup', 2)`,
        [randomUUID(), b],
      ),
      /events_tenant_tenant_seq_uq/,
    );
  });
});
