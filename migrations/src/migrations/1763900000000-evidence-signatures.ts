import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Signed manifests of evidence packs (manifest, Ed25519 signature, key id) and the object version that holds the pack: in a
 * versioned, object-locked bucket a later PUT to the same key adds a version, so readers must ask for the recorded one.
 */
export class EvidenceSignatures1763900000000 implements MigrationInterface {
  name = 'EvidenceSignatures1763900000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `ALTER TABLE evidence_packs ADD COLUMN manifest jsonb, ADD COLUMN signature text, ADD COLUMN key_id text,
         ADD COLUMN manifest_key text, ADD COLUMN version_id text`,
    );
    await q.query(`CREATE INDEX evidence_packs_intent_idx ON evidence_packs (tenant_id, intent_id, version)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX evidence_packs_intent_idx`);
    await q.query(
      `ALTER TABLE evidence_packs DROP COLUMN manifest, DROP COLUMN signature, DROP COLUMN key_id,
         DROP COLUMN manifest_key, DROP COLUMN version_id`,
    );
  }
}
