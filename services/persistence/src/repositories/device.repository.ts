import type { DataSource, EntityManager } from 'typeorm';

/** Platforms of inventory devices. */
export type InventoryPlatform = 'windows' | 'macos' | 'linux';

/** A device as a sync or an agent report sees it. */
export interface DeviceUpsert {
  /** The plane's device id (Graph managedDevice id, Jamf computer id, SCCM ResourceID, Landscape id, AWX host name). */
  deviceKey: string;
  /** Directory id where the plane has one (Entra device object id); null otherwise. */
  directoryId?: string | null;
  name: string;
  platform: InventoryPlatform;
  osName?: string | null;
  osVersion?: string | null;
  /** The plane's groups/tags the device belongs to, as synced; absent = keep the stored ones (read separately). */
  groups?: string[];
  lastSeenAt?: string | null;
  health?: 'healthy' | 'unhealthy' | 'unknown';
}

/** A stored inventory device. */
export interface DeviceRow extends Required<Omit<DeviceUpsert, 'health' | 'groups'>> {
  groups: string[];
  tenantId: string;
  plane: string;
  health: 'healthy' | 'unhealthy' | 'unknown';
  stale: boolean;
  lastSyncedAt: string;
}

/** Filters of a device page; `after` is the last `deviceKey` of the previous page (keyset pagination). */
export interface DevicePageQuery {
  plane: string;
  group?: string;
  platform?: InventoryPlatform;
  includeStale?: boolean;
  after?: string;
  /** Page size; default 500, at most 5000. */
  limit?: number;
}

function map(r: Record<string, unknown>): DeviceRow {
  const iso = (v: unknown) => (v ? new Date(v as string).toISOString() : null);
  return {
    tenantId: String(r.tenant_id),
    plane: String(r.plane),
    deviceKey: String(r.device_key),
    directoryId: (r.directory_id as string | null) ?? null,
    name: String(r.name),
    platform: r.platform as InventoryPlatform,
    osName: (r.os_name as string | null) ?? null,
    osVersion: (r.os_version as string | null) ?? null,
    groups: (r.groups as string[]) ?? [],
    lastSeenAt: iso(r.last_seen_at),
    health: r.health as DeviceRow['health'],
    stale: Boolean(r.stale),
    lastSyncedAt: iso(r.last_synced_at)!,
  };
}

/** The tenant's device inventory; every query is scoped by tenant and plane. */
export class DeviceRepository {
  constructor(private readonly ds: DataSource) {}

  /**
   * Inserts or updates a page of devices in one statement (a sync page of up to a few thousand rows); a device seen again
   * is no longer stale. Returns how many rows were written.
   */
  async upsertMany(
    tenantId: string,
    plane: string,
    devices: readonly DeviceUpsert[],
    syncedAt: string,
    em?: EntityManager,
  ): Promise<number> {
    if (devices.length === 0) return 0;
    // Devices whose read carried no groups keep the stored ones; one statement per kind.
    const withGroups = devices.filter((d) => d.groups !== undefined);
    const without = devices.filter((d) => d.groups === undefined);
    if (withGroups.length > 0 && without.length > 0) {
      const written = await this.upsertMany(tenantId, plane, withGroups, syncedAt, em);
      return written + (await this.upsertMany(tenantId, plane, without, syncedAt, em));
    }
    const keepGroups = without.length > 0;
    const payload = JSON.stringify(
      devices.map((d) => ({
        device_key: d.deviceKey,
        directory_id: d.directoryId ?? null,
        name: d.name,
        platform: d.platform,
        os_name: d.osName ?? null,
        os_version: d.osVersion ?? null,
        groups: [...new Set(d.groups ?? [])].sort(),
        last_seen_at: d.lastSeenAt ?? null,
        health: d.health ?? 'unknown',
      })),
    );
    const rows: unknown[] = await (em ?? this.ds).query(
      `INSERT INTO devices (tenant_id, plane, device_key, directory_id, name, platform, os_name, os_version, groups, last_seen_at, health,
                            last_synced_at, stale)
       SELECT $1, $2, x.device_key, x.directory_id, x.name, x.platform, x.os_name, x.os_version, x.groups, x.last_seen_at, x.health,
              $4, false
         FROM jsonb_to_recordset($3::jsonb) AS x(device_key text, directory_id text, name text, platform text, os_name text,
                                                   os_version text, groups text[], last_seen_at timestamptz, health text)
       ON CONFLICT (tenant_id, plane, device_key) DO UPDATE SET
         directory_id = COALESCE(EXCLUDED.directory_id, devices.directory_id), name = EXCLUDED.name, platform = EXCLUDED.platform,
         os_name = EXCLUDED.os_name, os_version = EXCLUDED.os_version, groups = ${keepGroups ? 'devices.groups' : 'EXCLUDED.groups'},
         last_seen_at = GREATEST(devices.last_seen_at, EXCLUDED.last_seen_at), health = EXCLUDED.health,
         last_synced_at = GREATEST(devices.last_synced_at, EXCLUDED.last_synced_at), stale = false
       RETURNING 1`,
      [tenantId, plane, payload, syncedAt],
    );
    return rows.length;
  }

  /**
   * Writes the groups (and directory ids, where given) of a full membership read: listed devices get exactly their groups,
   * devices seen by the sync at or after `syncedAt` but listed nowhere get none. Returns how many rows changed.
   */
  async replaceGroups(
    tenantId: string,
    plane: string,
    memberships: readonly { deviceKey: string; groups: string[]; directoryId?: string | null }[],
    syncedAt: string,
  ): Promise<number> {
    const payload = JSON.stringify(
      memberships.map((m) => ({
        device_key: m.deviceKey,
        groups: [...new Set(m.groups)].sort(),
        directory_id: m.directoryId ?? null,
        has_dir: m.directoryId !== undefined,
      })),
    );
    const rows: { n: number }[] = await this.ds.query(
      `WITH x AS (SELECT * FROM jsonb_to_recordset($3::jsonb) AS r(device_key text, groups text[], directory_id text, has_dir boolean)),
       listed AS (
         UPDATE devices d SET groups = x.groups, directory_id = CASE WHEN x.has_dir THEN x.directory_id ELSE d.directory_id END
           FROM x WHERE d.tenant_id = $1 AND d.plane = $2 AND d.device_key = x.device_key
            AND (d.groups IS DISTINCT FROM x.groups OR (x.has_dir AND d.directory_id IS DISTINCT FROM x.directory_id))
         RETURNING 1),
       unlisted AS (
         UPDATE devices d SET groups = '{}'
          WHERE d.tenant_id = $1 AND d.plane = $2 AND d.last_synced_at >= $4 AND d.groups <> '{}'
            -- NOT IN (subquery) runs as one hashed subplan; NOT EXISTS would nest-loop (the recordset is estimated at 100 rows).
            AND d.device_key NOT IN (SELECT device_key FROM x)
         RETURNING 1)
       SELECT (SELECT count(*) FROM listed)::int + (SELECT count(*) FROM unlisted)::int AS n`,
      [tenantId, plane, payload, syncedAt],
    );
    return rows[0]?.n ?? 0;
  }

  /** Marks devices that no sync has seen since `seenBefore` as stale (never deletes them); returns how many changed. */
  async markStale(tenantId: string, plane: string, seenBefore: string): Promise<number> {
    // A CTE, because TypeORM returns [rows, count] for a bare UPDATE.
    const rows: { n: number }[] = await this.ds.query(
      `WITH u AS (UPDATE devices SET stale = true WHERE tenant_id = $1 AND plane = $2 AND NOT stale AND last_synced_at < $3 RETURNING 1)
       SELECT count(*)::int AS n FROM u`,
      [tenantId, plane, seenBefore],
    );
    return rows[0]?.n ?? 0;
  }

  /** One keyset page of devices ordered by `deviceKey`. */
  async page(tenantId: string, q: DevicePageQuery): Promise<{ devices: DeviceRow[]; nextAfter: string | null }> {
    const limit = Math.min(Math.max(q.limit ?? 500, 1), 5000);
    const rows: Record<string, unknown>[] = await this.ds.query(
      `SELECT * FROM devices
        WHERE tenant_id = $1 AND plane = $2
          AND ($3::text IS NULL OR groups @> ARRAY[$3::text])
          AND ($4::text IS NULL OR platform = $4)
          AND ($5::boolean OR NOT stale)
          AND ($6::text IS NULL OR device_key > $6)
        ORDER BY device_key LIMIT $7`,
      [tenantId, q.plane, q.group ?? null, q.platform ?? null, q.includeStale ?? false, q.after ?? null, limit],
    );
    const devices = rows.map(map);
    return { devices, nextAfter: devices.length === limit ? devices.at(-1)!.deviceKey : null };
  }

  /**
   * One keyset page of the tenant's devices across planes (or of one plane), ordered by (plane, deviceKey), for the API.
   * `after` is the (plane, deviceKey) of the last device of the previous page.
   */
  async list(
    tenantId: string,
    q: Omit<DevicePageQuery, 'plane' | 'after'> & { plane?: string; after?: { plane: string; deviceKey: string } },
  ): Promise<{ devices: DeviceRow[]; next: { plane: string; deviceKey: string } | null }> {
    const limit = Math.min(Math.max(q.limit ?? 500, 1), 5000);
    const rows: Record<string, unknown>[] = await this.ds.query(
      `SELECT * FROM devices
        WHERE tenant_id = $1
          AND ($2::text IS NULL OR plane = $2)
          AND ($3::text IS NULL OR groups @> ARRAY[$3::text])
          AND ($4::text IS NULL OR platform = $4)
          AND ($5::boolean OR NOT stale)
          AND ($6::text IS NULL OR (plane, device_key) > ($6::text, $7::text))
        ORDER BY plane, device_key LIMIT $8`,
      [
        tenantId,
        q.plane ?? null,
        q.group ?? null,
        q.platform ?? null,
        q.includeStale ?? false,
        q.after?.plane ?? null,
        q.after?.deviceKey ?? null,
        limit,
      ],
    );
    const devices = rows.map(map);
    const last = devices.at(-1);
    return { devices, next: devices.length === limit && last ? { plane: last.plane, deviceKey: last.deviceKey } : null };
  }

  /** Every device of the plane in any of `groups` (stale ones included, flagged), for targeting resolution. */
  async inGroups(
    tenantId: string,
    plane: string,
    groups: readonly string[],
  ): Promise<{ id: string; platform: InventoryPlatform; groups: string[]; stale: boolean }[]> {
    if (groups.length === 0) return [];
    const rows: { device_key: string; platform: InventoryPlatform; groups: string[]; stale: boolean }[] = await this.ds.query(
      `SELECT device_key, platform, groups, stale FROM devices WHERE tenant_id = $1 AND plane = $2 AND groups && $3::text[]`,
      [tenantId, plane, groups],
    );
    return rows.map((r) => ({ id: r.device_key, platform: r.platform, groups: r.groups, stale: r.stale }));
  }

  /** Device counts of the plane: all, stale, and by platform. */
  async counts(tenantId: string, plane: string): Promise<{ total: number; stale: number; byPlatform: Record<string, number> }> {
    const rows: { platform: string; n: string; stale: string }[] = await this.ds.query(
      `SELECT platform, count(*) AS n, count(*) FILTER (WHERE stale) AS stale
         FROM devices WHERE tenant_id = $1 AND plane = $2 GROUP BY platform`,
      [tenantId, plane],
    );
    const byPlatform: Record<string, number> = {};
    let total = 0;
    let stale = 0;
    for (const r of rows) {
      byPlatform[r.platform] = Number(r.n);
      total += Number(r.n);
      stale += Number(r.stale);
    }
    return { total, stale, byPlatform };
  }

  /** When a sync last wrote a device of the plane; null when the plane was never synced for the tenant. */
  async lastSyncedAt(tenantId: string, plane: string): Promise<string | null> {
    const rows: { at: string | null }[] = await this.ds.query(
      `SELECT max(last_synced_at) AS at FROM devices WHERE tenant_id = $1 AND plane = $2`,
      [tenantId, plane],
    );
    return rows[0]?.at ? new Date(rows[0].at).toISOString() : null;
  }
}
