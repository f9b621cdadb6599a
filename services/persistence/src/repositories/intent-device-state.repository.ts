import type { DataSource } from 'typeorm';

/** Per-device states a plane reports for a ring device. */
export type IntentDeviceStateValue = 'pending' | 'succeeded' | 'failed' | 'not_applicable' | 'removed';

/** One device state to store (from a connector's ringStatus). */
export interface IntentDeviceStateInput {
  deviceKey: string;
  state: IntentDeviceStateValue;
  errorCode?: string;
  errorMessage?: string;
  /** When the plane changed the state (ISO); default: the time of the save. */
  at?: string;
}

/** A ring device with its latest state, as the device list serves it. */
export interface IntentDeviceRow {
  deviceKey: string;
  name: string;
  ring: number;
  state: IntentDeviceStateValue;
  /** Null until a status poll has reported the device. */
  changedAt: string | null;
  errorCode: string | null;
  errorMessage: string | null;
}

/** Filters of a device page; `after` is the cursor of the previous page's last row. */
export interface IntentDevicePageQuery {
  ring?: number;
  state?: IntentDeviceStateValue;
  after?: { ring: number; deviceKey: string };
  /** Page size; default 100, at most 1000. */
  limit?: number;
}

/** Live progress of one ring, counted over exactly the ring's devices. */
export interface RingProgressRow {
  ring: number;
  targeted: number;
  succeeded: number;
  failed: number;
  pending: number;
  notApplicable: number;
}

/** A frozen ring member (table intent_ring_devices). */
export interface IntentRingMemberRow {
  deviceKey: string;
  directoryId: string | null;
  name: string;
}

/**
 * Ring members and per-device states of intents (tables intent_ring_devices, intent_device_states); every query is scoped
 * by tenant and intent.
 */
export class IntentDeviceStateRepository {
  constructor(private readonly ds: DataSource) {}

  /** The frozen members of one ring, by device key; empty when the intent has no snapshot (legacy intents). */
  async members(tenantId: string, intentId: string, ringIndex: number): Promise<IntentRingMemberRow[]> {
    const rows: { device_key: string; directory_id: string | null; name: string }[] = await this.ds.query(
      `SELECT device_key, directory_id, name FROM intent_ring_devices
        WHERE tenant_id = $1 AND intent_id = $2 AND ring_index = $3 ORDER BY device_key`,
      [tenantId, intentId, ringIndex],
    );
    return rows.map((r) => ({ deviceKey: r.device_key, directoryId: r.directory_id, name: r.name }));
  }

  /**
   * Upserts the states of one ring's devices in one statement, writing a row only when state, code or message changed
   * (a poll that changes nothing writes nothing). Returns how many rows were written.
   */
  async saveStates(
    tenantId: string,
    intentId: string,
    ringIndex: number,
    states: readonly IntentDeviceStateInput[],
    now: string,
  ): Promise<number> {
    if (states.length === 0) return 0;
    const payload = JSON.stringify(
      states.map((s) => ({
        device_key: s.deviceKey,
        state: s.state,
        error_code: s.errorCode ?? null,
        error_message: s.errorMessage ?? null,
        changed_at: s.at ?? now,
      })),
    );
    const rows: unknown[] = await this.ds.query(
      `INSERT INTO intent_device_states (tenant_id, intent_id, ring_index, device_key, state, error_code, error_message, changed_at)
       SELECT DISTINCT ON (x.device_key) $1, $2, $3, x.device_key, x.state, x.error_code, x.error_message, x.changed_at
         FROM jsonb_to_recordset($4::jsonb) AS x(device_key text, state text, error_code text, error_message text, changed_at timestamptz)
       ON CONFLICT (tenant_id, intent_id, device_key) DO UPDATE SET
         ring_index = EXCLUDED.ring_index, state = EXCLUDED.state, error_code = EXCLUDED.error_code,
         error_message = EXCLUDED.error_message, changed_at = EXCLUDED.changed_at
       WHERE (intent_device_states.ring_index, intent_device_states.state, intent_device_states.error_code,
              intent_device_states.error_message)
             IS DISTINCT FROM (EXCLUDED.ring_index, EXCLUDED.state, EXCLUDED.error_code, EXCLUDED.error_message)
       RETURNING 1`,
      [tenantId, intentId, ringIndex, payload],
    );
    return rows.length;
  }

  /**
   * One page of the intent's ring devices with their latest state (a member no poll has reported yet is pending), ordered
   * by (ring, device key) for keyset pagination.
   */
  async page(tenantId: string, intentId: string, q: IntentDevicePageQuery = {}): Promise<IntentDeviceRow[]> {
    const limit = Math.min(Math.max(q.limit ?? 100, 1), 1000);
    const rows: Record<string, unknown>[] = await this.ds.query(
      `SELECT m.ring_index, m.device_key, m.name, COALESCE(s.state, 'pending') AS state, s.changed_at, s.error_code, s.error_message
         FROM intent_ring_devices m
         LEFT JOIN intent_device_states s
           ON s.tenant_id = m.tenant_id AND s.intent_id = m.intent_id AND s.device_key = m.device_key
        WHERE m.tenant_id = $1 AND m.intent_id = $2
          AND ($3::int IS NULL OR m.ring_index = $3)
          AND ($4::text IS NULL OR COALESCE(s.state, 'pending') = $4)
          AND ($5::int IS NULL OR (m.ring_index, m.device_key) > ($5, $6::text))
        ORDER BY m.ring_index, m.device_key
        LIMIT $7`,
      [tenantId, intentId, q.ring ?? null, q.state ?? null, q.after?.ring ?? null, q.after?.deviceKey ?? null, limit],
    );
    return rows.map((r) => ({
      deviceKey: String(r.device_key),
      name: String(r.name),
      ring: Number(r.ring_index),
      state: r.state as IntentDeviceStateValue,
      changedAt: r.changed_at ? new Date(r.changed_at as string).toISOString() : null,
      errorCode: (r.error_code as string | null) ?? null,
      errorMessage: (r.error_message as string | null) ?? null,
    }));
  }

  /** Per-ring counts over exactly each ring's members (unreported members are pending); rings without members are absent. */
  async progress(tenantId: string, intentId: string): Promise<RingProgressRow[]> {
    const rows: Record<string, string | number>[] = await this.ds.query(
      `SELECT m.ring_index,
              count(*) AS targeted,
              count(*) FILTER (WHERE s.state = 'succeeded') AS succeeded,
              count(*) FILTER (WHERE s.state = 'failed') AS failed,
              count(*) FILTER (WHERE s.state IN ('not_applicable', 'removed')) AS not_applicable,
              count(*) FILTER (WHERE s.state IS NULL OR s.state = 'pending') AS pending
         FROM intent_ring_devices m
         LEFT JOIN intent_device_states s
           ON s.tenant_id = m.tenant_id AND s.intent_id = m.intent_id AND s.device_key = m.device_key
        WHERE m.tenant_id = $1 AND m.intent_id = $2
        GROUP BY m.ring_index ORDER BY m.ring_index`,
      [tenantId, intentId],
    );
    return rows.map((r) => ({
      ring: Number(r.ring_index),
      targeted: Number(r.targeted),
      succeeded: Number(r.succeeded),
      failed: Number(r.failed),
      pending: Number(r.pending),
      notApplicable: Number(r.not_applicable),
    }));
  }
}
