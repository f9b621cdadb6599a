import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Per-tenant connector configuration; credentials only as AES-256-GCM ciphertext. */
export class ConnectorConfigs1764200000000 implements MigrationInterface {
  name = 'ConnectorConfigs1764200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE connector_configs (
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        plane text NOT NULL,
        base_url text NOT NULL,
        auth_url text,
        settings jsonb NOT NULL DEFAULT '{}',
        credentials_sealed text NOT NULL,
        updated_by text NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, plane)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE connector_configs`);
  }
}
