import type { DataSource, EntityManager } from 'typeorm';

/** A stored connector configuration; `credentialsSealed` is ciphertext only. */
export interface ConnectorConfigRow {
  tenantId: string;
  plane: string;
  baseUrl: string;
  authUrl: string | null;
  settings: Record<string, string>;
  credentialsSealed: string;
  updatedBy: string;
  updatedAt: string;
}

function map(r: Record<string, unknown>): ConnectorConfigRow {
  return {
    tenantId: String(r.tenant_id),
    plane: String(r.plane),
    baseUrl: String(r.base_url),
    authUrl: (r.auth_url as string | null) ?? null,
    settings: r.settings as Record<string, string>,
    credentialsSealed: String(r.credentials_sealed),
    updatedBy: String(r.updated_by),
    updatedAt: new Date(r.updated_at as string).toISOString(),
  };
}

/** Per-tenant connector configuration, scoped by tenant. */
export class ConnectorConfigRepository {
  constructor(private readonly ds: DataSource) {}

  async upsert(row: Omit<ConnectorConfigRow, 'updatedAt'>): Promise<ConnectorConfigRow> {
    const rows = await this.ds.query(
      `INSERT INTO connector_configs (tenant_id, plane, base_url, auth_url, settings, credentials_sealed, updated_by, updated_at)
       VALUES ($1,$2,$3,$4,$5,$6,$7, now())
       ON CONFLICT (tenant_id, plane) DO UPDATE SET base_url = EXCLUDED.base_url, auth_url = EXCLUDED.auth_url,
         settings = EXCLUDED.settings, credentials_sealed = EXCLUDED.credentials_sealed, updated_by = EXCLUDED.updated_by,
         updated_at = now()
       RETURNING *`,
      [row.tenantId, row.plane, row.baseUrl, row.authUrl, JSON.stringify(row.settings), row.credentialsSealed, row.updatedBy],
    );
    return map(rows[0]);
  }

  async find(tenantId: string, plane: string): Promise<ConnectorConfigRow | null> {
    const rows = await this.ds.query(`SELECT * FROM connector_configs WHERE tenant_id = $1 AND plane = $2`, [tenantId, plane]);
    return rows[0] ? map(rows[0]) : null;
  }

  async list(tenantId: string): Promise<ConnectorConfigRow[]> {
    return (await this.ds.query(`SELECT * FROM connector_configs WHERE tenant_id = $1 ORDER BY plane`, [tenantId])).map(map);
  }

  /** Deletes the row; pass `em` to delete inside the caller's transaction (e.g. together with its audit event). */
  async remove(tenantId: string, plane: string, em?: EntityManager): Promise<boolean> {
    const res = await (em ?? this.ds).query(`DELETE FROM connector_configs WHERE tenant_id = $1 AND plane = $2 RETURNING plane`, [
      tenantId,
      plane,
    ]);
    const rows = (Array.isArray(res[0]) ? res[0] : res) as unknown[];
    return rows.length > 0;
  }

  /**
   * Every (tenant, plane) with a configuration: what the worker starts inventory syncs for. With `processWide` (planes
   * configured for the whole process, e.g. the demo's `INTUNE_*`), every tenant without its own row for such a plane too.
   */
  async configuredPlanes(processWide: readonly string[] = []): Promise<{ tenantId: string; plane: string }[]> {
    const rows: { tenant_id: string; plane: string }[] = await this.ds.query(
      `SELECT tenant_id, plane FROM connector_configs
       UNION SELECT t.id, p.plane FROM tenants t CROSS JOIN unnest($1::text[]) AS p(plane)
       ORDER BY 1, 2`,
      [processWide],
    );
    return rows.map((r) => ({ tenantId: r.tenant_id, plane: r.plane }));
  }
}
