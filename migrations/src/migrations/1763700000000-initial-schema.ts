import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Tenants, API tokens, deployment intents, idempotency keys and the append-only, hash-chained event store. */
export class InitialSchema1763700000000 implements MigrationInterface {
  name = 'InitialSchema1763700000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE tenants (
        id uuid PRIMARY KEY,
        slug text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9][a-z0-9-]{1,62}$'),
        name text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE api_tokens (
        id uuid PRIMARY KEY,
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        name text NOT NULL,
        roles text[] NOT NULL CHECK (cardinality(roles) > 0),
        secret_hash text NOT NULL CHECK (secret_hash ~ '^[a-f0-9]{64}$'),
        created_at timestamptz NOT NULL DEFAULT now(),
        disabled_at timestamptz,
        rotated_at timestamptz,
        last_used_at timestamptz,
        created_by uuid
      )`);
    await q.query(`CREATE INDEX api_tokens_tenant_idx ON api_tokens (tenant_id, created_at)`);
    await q.query(`
      CREATE TABLE deployment_intents (
        id uuid PRIMARY KEY,
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        title text NOT NULL,
        change_type text NOT NULL,
        plane text NOT NULL,
        state text NOT NULL,
        spec jsonb NOT NULL,
        submitted_by text NOT NULL,
        submitted_by_token_id uuid NOT NULL,
        correlation_id text NOT NULL,
        workflow_id text NOT NULL UNIQUE,
        workflow_started_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX deployment_intents_tenant_idx ON deployment_intents (tenant_id, created_at DESC, id)`);
    await q.query(`CREATE INDEX deployment_intents_unstarted_idx ON deployment_intents (created_at) WHERE workflow_started_at IS NULL`);
    await q.query(`
      CREATE TABLE idempotency_keys (
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        scope text NOT NULL,
        key text NOT NULL,
        request_hash text NOT NULL,
        resource_id uuid NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, scope, key)
      )`);
    await q.query(`
      CREATE TABLE events (
        seq bigserial PRIMARY KEY,
        event_id uuid NOT NULL UNIQUE,
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        aggregate_type text NOT NULL,
        aggregate_id text NOT NULL,
        event_type text NOT NULL,
        actor text NOT NULL,
        reason text NOT NULL,
        data jsonb NOT NULL,
        correlation_id text NOT NULL,
        created_at text NOT NULL,
        schema_version int NOT NULL,
        prev_hash text NOT NULL,
        hash text NOT NULL,
        dedupe_key text NOT NULL,
        UNIQUE (tenant_id, dedupe_key)
      )`);
    await q.query(`CREATE INDEX events_aggregate_idx ON events (tenant_id, aggregate_type, aggregate_id, seq)`);
    await q.query(`CREATE INDEX events_tenant_seq_idx ON events (tenant_id, seq)`);
    await q.query(`
      CREATE TABLE event_chain_heads (
        tenant_id uuid PRIMARY KEY REFERENCES tenants(id),
        last_hash text NOT NULL,
        event_count bigint NOT NULL
      )`);
    // Append-only, enforced by the database itself. ENABLE ALWAYS makes the triggers fire even under
    // session_replication_role = replica, which a superuser could otherwise use to slip past them.
    await q.query(`
      CREATE FUNCTION events_reject_change() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'events is append-only: % rejected', TG_OP USING ERRCODE = 'insufficient_privilege';
      END $$`);
    await q.query(
      `CREATE TRIGGER events_no_update_delete BEFORE UPDATE OR DELETE ON events FOR EACH ROW EXECUTE FUNCTION events_reject_change()`,
    );
    await q.query(`CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON events FOR EACH STATEMENT EXECUTE FUNCTION events_reject_change()`);
    await q.query(`ALTER TABLE events ENABLE ALWAYS TRIGGER events_no_update_delete`);
    await q.query(`ALTER TABLE events ENABLE ALWAYS TRIGGER events_no_truncate`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE event_chain_heads`);
    // Dropping the table is the only way to remove events; it needs the owner, never the app role.
    await q.query(`DROP TABLE events`);
    await q.query(`DROP FUNCTION events_reject_change()`);
    await q.query(`DROP TABLE idempotency_keys`);
    await q.query(`DROP TABLE deployment_intents`);
    await q.query(`DROP TABLE api_tokens`);
    await q.query(`DROP TABLE tenants`);
  }
}
