import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Drops `ring_deployments` (issue 11): it was written on every ring poll and read only for the evidence pack's
 * `artifact.deliveries`, which the workflow now passes from the deploy results it holds. Down recreates it as
 * 1763800000000-lifecycle created it (empty).
 */
export class DropRingDeployments1765100000000 implements MigrationInterface {
  name = 'DropRingDeployments1765100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE ring_deployments`);
  }

  async down(q: QueryRunner): Promise<void> {
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
    await q.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON ring_deployments TO eucora_app`);
  }
}
