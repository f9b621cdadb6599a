import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Ring membership frozen at assessment (issue 10): one row per device of an intent's target snapshot, with the ring EUCORA
 * put it in. The primary key (tenant, intent, device) makes "no device in two rings" a database guarantee; activities read
 * a ring's members by (tenant, intent, ring) so big lists never pass through workflow history. CAB items carry the target
 * count and platform split the change manager sees.
 */
export class IntentRingDevices1764900000000 implements MigrationInterface {
  name = 'IntentRingDevices1764900000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE intent_ring_devices (
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        intent_id uuid NOT NULL REFERENCES deployment_intents(id),
        ring_index integer NOT NULL CHECK (ring_index >= 0),
        device_key text NOT NULL,
        directory_id text,
        name text NOT NULL,
        PRIMARY KEY (tenant_id, intent_id, device_key)
      )`);
    await q.query(`CREATE INDEX intent_ring_devices_ring ON intent_ring_devices (tenant_id, intent_id, ring_index, device_key)`);
    await q.query(`ALTER TABLE cab_items ADD COLUMN targets jsonb`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE cab_items DROP COLUMN targets`);
    await q.query(`DROP TABLE intent_ring_devices`);
  }
}
