import type { DataSource } from 'typeorm';
import type { AuditCheckpoint } from '@eucora/core';

/** A stored checkpoint: the signed statement plus where its WORM copy lives. */
export interface AuditCheckpointRow extends AuditCheckpoint {
  signature: string;
  objectKey: string;
  versionId: string | null;
}

function map(r: Record<string, unknown>): AuditCheckpointRow {
  return {
    tenantId: String(r.tenant_id),
    tenantSeq: String(r.tenant_seq),
    headHash: String(r.head_hash),
    createdAt: String(r.created_at),
    keyId: String(r.key_id),
    signature: String(r.signature),
    objectKey: String(r.object_key),
    versionId: (r.version_id as string | null) ?? null,
  };
}

/** Signed checkpoints of each tenant's audit chain (append-only for the app role). */
export class AuditCheckpointRepository {
  constructor(private readonly ds: DataSource) {}

  /** The newest checkpoint of a tenant, or null. */
  async latest(tenantId: string): Promise<AuditCheckpointRow | null> {
    const rows = await this.ds.query(`SELECT * FROM audit_checkpoints WHERE tenant_id = $1 ORDER BY tenant_seq DESC LIMIT 1`, [tenantId]);
    return rows[0] ? map(rows[0]) : null;
  }

  /** Checkpoints of a tenant with tenant_seq in (afterSeq, uptoSeq], in order (one page of a full verify). */
  async between(tenantId: string, afterSeq: string, uptoSeq: string): Promise<AuditCheckpointRow[]> {
    const rows = await this.ds.query(
      `SELECT * FROM audit_checkpoints WHERE tenant_id = $1 AND tenant_seq > $2 AND tenant_seq <= $3 ORDER BY tenant_seq`,
      [tenantId, afterSeq, uptoSeq],
    );
    return rows.map(map);
  }

  /** Records a checkpoint; a concurrent writer of the same one wins silently. */
  async insert(row: AuditCheckpointRow): Promise<void> {
    await this.ds.query(
      `INSERT INTO audit_checkpoints (tenant_id, tenant_seq, head_hash, created_at, key_id, signature, object_key, version_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (tenant_id, tenant_seq) DO NOTHING`,
      [row.tenantId, row.tenantSeq, row.headHash, row.createdAt, row.keyId, row.signature, row.objectKey, row.versionId],
    );
  }

  /** Tenants (all, or of `only`) whose chain grew by at least `minNew` events since their last checkpoint. */
  async tenantsDue(minNew: number, only?: string[]): Promise<string[]> {
    const rows: { tenant_id: string }[] = await this.ds.query(
      `SELECT h.tenant_id FROM event_chain_heads h
       WHERE h.event_count - COALESCE((SELECT max(c.tenant_seq) FROM audit_checkpoints c WHERE c.tenant_id = h.tenant_id), 0) >= $1
         AND ($2::uuid[] IS NULL OR h.tenant_id = ANY($2::uuid[]))
       ORDER BY h.tenant_id`,
      [minNew, only ?? null],
    );
    return rows.map((r) => r.tenant_id);
  }
}
