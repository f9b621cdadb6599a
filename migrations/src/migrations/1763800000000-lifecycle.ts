import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Lifecycle tables (exceptions, CAB items and decisions, evidence packs, ring deployments), intent risk columns, and the
 * application role `eucora_app`, which owns nothing: it may not alter, update, delete or truncate the events table.
 */
export class Lifecycle1763800000000 implements MigrationInterface {
  name = 'Lifecycle1763800000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE deployment_intents
        ADD COLUMN risk_score int,
        ADD COLUMN risk_band text,
        ADD COLUMN policy_decision text,
        ADD COLUMN artifact_name text`);
    await q.query(`UPDATE deployment_intents SET artifact_name = spec->'artifact'->>'name'`);
    await q.query(`CREATE INDEX deployment_intents_state_idx ON deployment_intents (tenant_id, state, created_at DESC, id)`);
    await q.query(`CREATE INDEX deployment_intents_artifact_idx ON deployment_intents (tenant_id, lower(artifact_name), created_at DESC)`);
    await q.query(`
      CREATE TABLE exceptions (
        id uuid PRIMARY KEY,
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        package_name text NOT NULL,
        finding_ids text[] NOT NULL CHECK (cardinality(finding_ids) > 0),
        compensating_controls text NOT NULL,
        justification text NOT NULL,
        expires_at timestamptz NOT NULL,
        status text NOT NULL CHECK (status IN ('pending', 'approved', 'rejected')),
        requested_by text NOT NULL,
        requested_by_token_id uuid NOT NULL,
        decided_by text,
        decided_at timestamptz,
        decision_comment text,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX exceptions_tenant_idx ON exceptions (tenant_id, lower(package_name), status)`);
    await q.query(`
      CREATE TABLE cab_items (
        id uuid PRIMARY KEY,
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        intent_id uuid NOT NULL REFERENCES deployment_intents(id),
        status text NOT NULL CHECK (status IN ('pending', 'approved', 'rejected', 'withdrawn')),
        risk_score int NOT NULL,
        risk jsonb NOT NULL,
        policy jsonb NOT NULL,
        evidence_pack_id uuid NOT NULL,
        evidence_hash text NOT NULL,
        quorum int NOT NULL,
        gate_ring int NOT NULL,
        emergency boolean NOT NULL DEFAULT false,
        submitted_by text NOT NULL,
        requested_at timestamptz NOT NULL DEFAULT now(),
        decided_at timestamptz,
        UNIQUE (tenant_id, intent_id)
      )`);
    await q.query(`CREATE INDEX cab_items_pending_idx ON cab_items (tenant_id, status, requested_at)`);
    await q.query(`
      CREATE TABLE cab_decisions (
        id uuid PRIMARY KEY,
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        cab_item_id uuid NOT NULL REFERENCES cab_items(id),
        decision text NOT NULL CHECK (decision IN ('approve', 'reject')),
        actor text NOT NULL,
        actor_token_id uuid NOT NULL,
        comment text,
        evidence_hash text NOT NULL,
        decided_at timestamptz NOT NULL,
        UNIQUE (cab_item_id, actor)
      )`);
    await q.query(`
      CREATE TABLE evidence_packs (
        id uuid PRIMARY KEY,
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        intent_id uuid NOT NULL REFERENCES deployment_intents(id),
        version int NOT NULL,
        sha256 text NOT NULL CHECK (sha256 ~ '^[a-f0-9]{64}$'),
        prev_sha256 text,
        bucket text NOT NULL,
        object_key text NOT NULL,
        size_bytes int NOT NULL,
        retention_mode text NOT NULL,
        retain_until timestamptz NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (tenant_id, intent_id, version)
      )`);
    await q.query(`
      CREATE TABLE ring_deployments (
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        intent_id uuid NOT NULL REFERENCES deployment_intents(id),
        ring_index int NOT NULL,
        ring_name text NOT NULL,
        plane text NOT NULL,
        status text NOT NULL,
        deployment jsonb,
        counts jsonb,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, intent_id, ring_index)
      )`);

    // The application role. It is created without login; operators (or npm start / npm test) give it a password.
    await q.query(`DO $$ BEGIN
      IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'eucora_app') THEN CREATE ROLE eucora_app NOLOGIN; END IF;
    END $$`);
    await q.query(`GRANT USAGE ON SCHEMA public TO eucora_app`);
    await q.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO eucora_app`);
    await q.query(`GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO eucora_app`);
    await q.query(`REVOKE UPDATE, DELETE, TRUNCATE ON events FROM eucora_app`);
    await q.query(`REVOKE ALL ON migrations FROM eucora_app`);
    await q.query(`ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO eucora_app`);
    await q.query(`ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO eucora_app`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE ALL ON TABLES FROM eucora_app`);
    await q.query(`ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE ALL ON SEQUENCES FROM eucora_app`);
    await q.query(`REVOKE ALL ON ALL TABLES IN SCHEMA public FROM eucora_app`);
    await q.query(`REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM eucora_app`);
    await q.query(`REVOKE USAGE ON SCHEMA public FROM eucora_app`);
    await q.query(`DROP TABLE ring_deployments`);
    await q.query(`DROP TABLE evidence_packs`);
    await q.query(`DROP TABLE cab_decisions`);
    await q.query(`DROP TABLE cab_items`);
    await q.query(`DROP TABLE exceptions`);
    await q.query(`DROP INDEX deployment_intents_artifact_idx`);
    await q.query(`DROP INDEX deployment_intents_state_idx`);
    await q.query(
      `ALTER TABLE deployment_intents DROP COLUMN risk_score, DROP COLUMN risk_band,
         DROP COLUMN policy_decision, DROP COLUMN artifact_name`,
    );
  }
}
