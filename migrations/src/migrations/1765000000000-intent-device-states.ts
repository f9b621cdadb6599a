import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Per-device states of an intent's ring devices (issue 10 point 5): one row per (tenant, intent, device), written by the
 * ringStatus activity only when a state changes, read by `GET /deployment-intents/:id/devices` and the live ring progress.
 * The frozen ring members themselves are `intent_ring_devices` (migration 1764900000000).
 */
export class IntentDeviceStates1765000000000 implements MigrationInterface {
  name = 'IntentDeviceStates1765000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE intent_device_states (
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        intent_id uuid NOT NULL REFERENCES deployment_intents(id),
        ring_index int NOT NULL,
        device_key text NOT NULL,
        state text NOT NULL CHECK (state IN ('pending', 'succeeded', 'failed', 'not_applicable', 'removed')),
        error_code text CHECK (length(error_code) <= 32),
        error_message text CHECK (length(error_message) <= 256),
        changed_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, intent_id, device_key)
      )`);
    // Progress per ring and the ring/state filters of the device list.
    await q.query(`CREATE INDEX intent_device_states_ring ON intent_device_states (tenant_id, intent_id, ring_index, state)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE intent_device_states`);
  }
}
