import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Per-tenant device inventory (DESIGN.md §4 Fleet and targeting): one row per (tenant, plane, plane device id), filled by
 * inventory syncs and agent reports. Sized for 100k+ devices per tenant: keyset pagination on (tenant, plane, device_key),
 * a GIN index for group membership, and a partial index to find stale candidates.
 */
export class DeviceInventory1764700000000 implements MigrationInterface {
  name = 'DeviceInventory1764700000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE devices (
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        plane text NOT NULL,
        device_key text NOT NULL,
        directory_id text,
        name text NOT NULL,
        platform text NOT NULL CHECK (platform IN ('windows', 'macos', 'linux')),
        os_name text,
        os_version text,
        groups text[] NOT NULL DEFAULT '{}',
        last_seen_at timestamptz,
        last_synced_at timestamptz NOT NULL DEFAULT now(),
        health text NOT NULL DEFAULT 'unknown' CHECK (health IN ('healthy', 'unhealthy', 'unknown')),
        stale boolean NOT NULL DEFAULT false,
        first_seen_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, plane, device_key)
      )`);
    await q.query(`CREATE INDEX devices_groups_gin ON devices USING gin (groups)`);
    await q.query(`CREATE INDEX devices_synced ON devices (tenant_id, plane, last_synced_at) WHERE NOT stale`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE devices`);
  }
}
