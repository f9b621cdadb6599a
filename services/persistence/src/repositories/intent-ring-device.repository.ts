import type { DataSource } from 'typeorm';

/** One device of a ring as frozen at assessment. */
export interface IntentRingDeviceRow {
  ringIndex: number;
  deviceKey: string;
  directoryId: string | null;
  name: string;
}

/** Ring membership of intents (`intent_ring_devices`), scoped by tenant. */
export class IntentRingDeviceRepository {
  constructor(private readonly ds: DataSource) {}

  /**
   * Replaces the intent's membership with `rings` (device keys per ring index) in one transaction, copying directory id and
   * name from the plane's inventory. Idempotent: a retried assessment writes the same rows again. Returns rows written.
   */
  async replace(
    tenantId: string,
    intentId: string,
    plane: string,
    rings: readonly { index: number; deviceIds: readonly string[] }[],
  ): Promise<number> {
    const keys: string[] = [];
    const idx: number[] = [];
    for (const r of rings)
      for (const id of r.deviceIds) {
        keys.push(id);
        idx.push(r.index);
      }
    return this.ds.transaction(async (em) => {
      await em.query(`DELETE FROM intent_ring_devices WHERE tenant_id = $1 AND intent_id = $2`, [tenantId, intentId]);
      if (keys.length === 0) return 0;
      // One statement for the whole snapshot: 10k+ devices as two arrays, joined to the inventory for ids and names.
      const rows: unknown[] = await em.query(
        `INSERT INTO intent_ring_devices (tenant_id, intent_id, ring_index, device_key, directory_id, name)
         SELECT $1, $2, r.ring_index, d.device_key, d.directory_id, d.name
           FROM unnest($4::text[], $5::int[]) AS r(device_key, ring_index)
           JOIN devices d ON d.tenant_id = $1 AND d.plane = $3 AND d.device_key = r.device_key
         RETURNING 1`,
        [tenantId, intentId, plane, keys, idx],
      );
      return rows.length;
    });
  }

  /** Members of one ring, ordered by device key. */
  async ring(tenantId: string, intentId: string, ringIndex: number): Promise<IntentRingDeviceRow[]> {
    const rows: Record<string, unknown>[] = await this.ds.query(
      `SELECT ring_index, device_key, directory_id, name FROM intent_ring_devices
        WHERE tenant_id = $1 AND intent_id = $2 AND ring_index = $3 ORDER BY device_key`,
      [tenantId, intentId, ringIndex],
    );
    return rows.map(map);
  }

  /** Every member of the intent, ordered by ring then device key. */
  async all(tenantId: string, intentId: string): Promise<IntentRingDeviceRow[]> {
    const rows: Record<string, unknown>[] = await this.ds.query(
      `SELECT ring_index, device_key, directory_id, name FROM intent_ring_devices
        WHERE tenant_id = $1 AND intent_id = $2 ORDER BY ring_index, device_key`,
      [tenantId, intentId],
    );
    return rows.map(map);
  }
}

function map(r: Record<string, unknown>): IntentRingDeviceRow {
  return {
    ringIndex: Number(r.ring_index),
    deviceKey: String(r.device_key),
    directoryId: (r.directory_id as string | null) ?? null,
    name: String(r.name),
  };
}
