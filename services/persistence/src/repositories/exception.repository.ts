import type { DataSource, EntityManager } from 'typeorm';
import type { ExceptionRecord } from '@eucora/core';

/** An exception row as the API returns it: the fields evidence packs record (`ExceptionRecord`) and the request's bookkeeping. */
export interface ExceptionRow extends ExceptionRecord {
  status: 'pending' | 'approved' | 'rejected';
  requestedByTokenId: string;
  decisionComment: string | null;
  createdAt: string;
}

function map(r: Record<string, unknown>): ExceptionRow {
  const iso = (v: unknown) => (v ? new Date(v as string).toISOString() : null);
  return {
    id: String(r.id),
    packageName: String(r.package_name),
    findingIds: r.finding_ids as string[],
    compensatingControls: String(r.compensating_controls),
    justification: String(r.justification),
    expiresAt: iso(r.expires_at)!,
    status: r.status as ExceptionRow['status'],
    requestedBy: String(r.requested_by),
    requestedByTokenId: String(r.requested_by_token_id),
    decidedBy: (r.decided_by as string | null) ?? null,
    decidedAt: iso(r.decided_at),
    decisionComment: (r.decision_comment as string | null) ?? null,
    createdAt: iso(r.created_at)!,
  };
}

/** Security exceptions, scoped by tenant. */
export class ExceptionRepository {
  constructor(private readonly ds: DataSource) {}

  /** Inserts a pending exception, inside `em`'s transaction when given (so its audit event commits with it). */
  async insert(
    tenantId: string,
    e: Omit<ExceptionRow, 'status' | 'decidedBy' | 'decidedAt' | 'decisionComment' | 'createdAt'>,
    em?: EntityManager,
  ): Promise<ExceptionRow> {
    const rows = await (em ?? this.ds).query(
      `INSERT INTO exceptions (id, tenant_id, package_name, finding_ids, compensating_controls, justification, expires_at, status,
                               requested_by, requested_by_token_id)
       VALUES ($1,$2,$3,$4,$5,$6,$7,'pending',$8,$9) RETURNING *`,
      [
        e.id,
        tenantId,
        e.packageName,
        e.findingIds,
        e.compensatingControls,
        e.justification,
        e.expiresAt,
        e.requestedBy,
        e.requestedByTokenId,
      ],
    );
    return map(rows[0]);
  }

  async findById(tenantId: string, id: string): Promise<ExceptionRow | null> {
    const rows = await this.ds.query(`SELECT * FROM exceptions WHERE tenant_id = $1 AND id = $2`, [tenantId, id]);
    return rows[0] ? map(rows[0]) : null;
  }

  /**
   * Lists newest first, keyset-paginated on the cursor row's own (created_at, id) so pages stay exact under inserts.
   * `afterId` is the last id of the previous page; an id that is not the tenant's yields an empty page.
   */
  async list(tenantId: string, f: { status?: string; packageName?: string; afterId?: string; limit: number }): Promise<ExceptionRow[]> {
    const rows = await this.ds.query(
      `SELECT * FROM exceptions e WHERE tenant_id = $1 AND ($2::text IS NULL OR status = $2)
         AND ($3::text IS NULL OR lower(package_name) = lower($3))
         AND ($4::uuid IS NULL OR (e.created_at, e.id) < (SELECT c.created_at, c.id FROM exceptions c WHERE c.tenant_id = $1 AND c.id = $4))
        ORDER BY created_at DESC, id DESC LIMIT $5`,
      [tenantId, f.status ?? null, f.packageName ?? null, f.afterId ?? null, f.limit],
    );
    return rows.map(map);
  }

  /** Every exception of a package (any status; package names compare case-insensitively), oldest first. */
  async findByPackage(tenantId: string, packageName: string): Promise<ExceptionRow[]> {
    const rows: Record<string, unknown>[] = await this.ds.query(
      `SELECT * FROM exceptions WHERE tenant_id = $1 AND lower(package_name) = lower($2) ORDER BY created_at, id`,
      [tenantId, packageName],
    );
    return rows.map(map);
  }

  /** Decides a pending exception; returns null when it was not pending. */
  async decide(
    tenantId: string,
    id: string,
    status: 'approved' | 'rejected',
    by: string,
    comment: string | null,
    em?: EntityManager,
  ): Promise<ExceptionRow | null> {
    const rows = await (em ?? this.ds).query(
      `UPDATE exceptions SET status = $3, decided_by = $4, decided_at = now(), decision_comment = $5
        WHERE tenant_id = $1 AND id = $2 AND status = 'pending' RETURNING *`,
      [tenantId, id, status, by, comment],
    );
    // TypeORM returns [rows, affected] for UPDATE … RETURNING on postgres.
    const updated = (Array.isArray(rows[0]) ? rows[0] : rows) as Record<string, unknown>[];
    return updated[0] ? map(updated[0]) : null;
  }
}
