import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Artifact content: where a check's verified bytes are stored (bucket/key of the content store), and for URL fetches the
 * intent they were fetched for (the plane-side content id lives in the ring deployment's object ids).
 */
export class ArtifactContent1764500000000 implements MigrationInterface {
  name = 'ArtifactContent1764500000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE artifact_checks ADD COLUMN bucket text, ADD COLUMN object_key text, ADD COLUMN intent_id uuid`);
    await q.query(`CREATE INDEX artifact_checks_intent_idx ON artifact_checks (tenant_id, intent_id) WHERE intent_id IS NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX artifact_checks_intent_idx`);
    await q.query(`ALTER TABLE artifact_checks DROP COLUMN bucket, DROP COLUMN object_key, DROP COLUMN intent_id`);
  }
}
