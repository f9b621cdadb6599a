import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Per-tenant event sequence (`tenant_seq`: the global `seq` leaked other tenants' volume through cursors and verify) and
 * signed audit checkpoints. New events get `event_chain_heads.event_count + 1` under the head row lock that already
 * serialises a tenant's appends, so two concurrent appends cannot get the same number; the unique index enforces it.
 */
export class AuditTenantSeq1764300000000 implements MigrationInterface {
  name = 'AuditTenantSeq1764300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE events ADD COLUMN tenant_seq bigint`);
    // The backfill is the one sanctioned rewrite of events: tenant_seq is not hashed, and the trigger is back on
    // before this transaction commits. ALTER TABLE holds an exclusive lock, so no append interleaves.
    await q.query(`ALTER TABLE events DISABLE TRIGGER events_no_update_delete`);
    await q.query(`
      UPDATE events e SET tenant_seq = n.rn
      FROM (SELECT seq, row_number() OVER (PARTITION BY tenant_id ORDER BY seq) AS rn FROM events) n
      WHERE e.seq = n.seq`);
    await q.query(`ALTER TABLE events ENABLE ALWAYS TRIGGER events_no_update_delete`);
    await q.query(`ALTER TABLE events ALTER COLUMN tenant_seq SET NOT NULL`);
    await q.query(`CREATE UNIQUE INDEX events_tenant_tenant_seq_uq ON events (tenant_id, tenant_seq)`);
    await q.query(`
      CREATE TABLE audit_checkpoints (
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        tenant_seq bigint NOT NULL,
        head_hash text NOT NULL,
        created_at text NOT NULL,
        key_id text NOT NULL,
        signature text NOT NULL,
        object_key text NOT NULL,
        version_id text,
        PRIMARY KEY (tenant_id, tenant_seq)
      )`);
    // Checkpoints are append-only for the app, like events; the WORM copy is the authority anyway.
    await q.query(`REVOKE UPDATE, DELETE, TRUNCATE ON audit_checkpoints FROM eucora_app`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE audit_checkpoints`);
    await q.query(`DROP INDEX events_tenant_tenant_seq_uq`);
    await q.query(`ALTER TABLE events DROP COLUMN tenant_seq`);
  }
}
