import type { DataSource } from 'typeorm';

/** One artifact check: the SHA-256 and size measured by streaming the bytes, and where the verified bytes are stored. */
export interface ArtifactCheckRow {
  id: string;
  tenantId: string;
  sha256: string;
  sizeBytes: number;
  source: 'upload' | 'url';
  url: string | null;
  fileName: string | null;
  /** Content store location; null for checks recorded before the store existed. */
  bucket: string | null;
  objectKey: string | null;
  /** The intent a URL fetch was made for; null for uploads. */
  intentId: string | null;
  createdBy: string;
  createdAt: string;
}

function map(r: Record<string, unknown>): ArtifactCheckRow {
  return {
    id: String(r.id),
    tenantId: String(r.tenant_id),
    sha256: String(r.sha256),
    sizeBytes: Number(r.size_bytes),
    source: r.source as ArtifactCheckRow['source'],
    url: (r.url as string | null) ?? null,
    fileName: (r.file_name as string | null) ?? null,
    bucket: (r.bucket as string | null) ?? null,
    objectKey: (r.object_key as string | null) ?? null,
    intentId: (r.intent_id as string | null) ?? null,
    createdBy: String(r.created_by),
    createdAt: new Date(r.created_at as string).toISOString(),
  };
}

/** Artifact checks (`artifact_checks`), scoped by tenant. */
export class ArtifactRepository {
  constructor(private readonly ds: DataSource) {}

  async insert(row: Omit<ArtifactCheckRow, 'createdAt'>): Promise<ArtifactCheckRow> {
    const rows = await this.ds.query(
      `INSERT INTO artifact_checks (id, tenant_id, sha256, size_bytes, source, url, file_name, bucket, object_key, intent_id, created_by)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11) RETURNING *`,
      [
        row.id,
        row.tenantId,
        row.sha256,
        row.sizeBytes,
        row.source,
        row.url,
        row.fileName,
        row.bucket,
        row.objectKey,
        row.intentId,
        row.createdBy,
      ],
    );
    return map(rows[0]);
  }

  async findById(tenantId: string, id: string): Promise<ArtifactCheckRow | null> {
    const rows = await this.ds.query(`SELECT * FROM artifact_checks WHERE tenant_id = $1 AND id = $2`, [tenantId, id]);
    return rows[0] ? map(rows[0]) : null;
  }

  /** The latest URL fetch made for an intent (the worker's check of `artifact.sourceUrl`). */
  async latestForIntent(tenantId: string, intentId: string): Promise<ArtifactCheckRow | null> {
    const rows = await this.ds.query(
      `SELECT * FROM artifact_checks WHERE tenant_id = $1 AND intent_id = $2 ORDER BY created_at DESC LIMIT 1`,
      [tenantId, intentId],
    );
    return rows[0] ? map(rows[0]) : null;
  }

  async exists(tenantId: string, id: string): Promise<boolean> {
    return (await this.ds.query(`SELECT 1 FROM artifact_checks WHERE tenant_id = $1 AND id = $2`, [tenantId, id])).length > 0;
  }
}
