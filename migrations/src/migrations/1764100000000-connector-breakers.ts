import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Last known circuit-breaker state per tenant and plane, written by workers on every transition, read by health. */
export class ConnectorBreakers1764100000000 implements MigrationInterface {
  name = 'ConnectorBreakers1764100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE connector_breakers (
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        plane text NOT NULL,
        state text NOT NULL CHECK (state IN ('closed', 'open', 'half_open')),
        changed_at timestamptz NOT NULL DEFAULT now(),
        transitions bigint NOT NULL DEFAULT 1,
        PRIMARY KEY (tenant_id, plane)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE connector_breakers`);
  }
}
