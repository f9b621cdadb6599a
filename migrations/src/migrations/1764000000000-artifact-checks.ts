import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Artifact checks: the SHA-256 and size measured by streaming an uploaded artifact. */
export class ArtifactChecks1764000000000 implements MigrationInterface {
  name = 'ArtifactChecks1764000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE artifact_checks (
        id uuid PRIMARY KEY,
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        sha256 text NOT NULL CHECK (sha256 ~ '^[a-f0-9]{64}$'),
        size_bytes bigint NOT NULL,
        source text NOT NULL CHECK (source IN ('upload', 'url')),
        url text,
        file_name text,
        created_by text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX artifact_checks_tenant_idx ON artifact_checks (tenant_id, created_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE artifact_checks`);
  }
}
