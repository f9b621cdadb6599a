import type { DataSource } from 'typeorm';

/** A stored evidence pack's metadata (the bytes are in the evidence bucket under object lock). */
export interface EvidencePackRow {
  id: string;
  tenantId: string;
  intentId: string;
  version: number;
  sha256: string;
  previousPackHash: string | null;
  bucket: string;
  objectKey: string;
  /** The object version holding the pack; null for packs recorded before versions were kept. */
  versionId: string | null;
  sizeBytes: number;
  retention: { mode: string; retainUntil: string };
  manifest: unknown;
  signature: string | null;
  keyId: string | null;
  manifestKey: string | null;
  createdAt: string;
}

/** What the worker records once the pack and its signed manifest are stored (every pack it records now is signed). */
export type NewEvidencePack = Omit<EvidencePackRow, 'signature' | 'keyId' | 'manifestKey' | 'createdAt'> & {
  signature: string;
  keyId: string;
  manifestKey: string;
};

function map(r: Record<string, unknown>): EvidencePackRow {
  return {
    id: String(r.id),
    tenantId: String(r.tenant_id),
    intentId: String(r.intent_id),
    version: Number(r.version),
    sha256: String(r.sha256),
    previousPackHash: (r.prev_sha256 as string | null) ?? null,
    bucket: String(r.bucket),
    objectKey: String(r.object_key),
    versionId: (r.version_id as string | null) ?? null,
    sizeBytes: Number(r.size_bytes),
    retention: { mode: String(r.retention_mode), retainUntil: new Date(r.retain_until as string).toISOString() },
    manifest: r.manifest ?? null,
    signature: (r.signature as string | null) ?? null,
    keyId: (r.key_id as string | null) ?? null,
    manifestKey: (r.manifest_key as string | null) ?? null,
    createdAt: new Date(r.created_at as string).toISOString(),
  };
}

/** `evidence_packs`, scoped by tenant: one row per (intent, version), written once. */
export class EvidencePackRepository {
  constructor(private readonly ds: DataSource) {}

  /** Every version of an intent's pack, oldest first. */
  async listByIntent(tenantId: string, intentId: string): Promise<EvidencePackRow[]> {
    const rows: Record<string, unknown>[] = await this.ds.query(
      `SELECT * FROM evidence_packs WHERE tenant_id = $1 AND intent_id = $2 ORDER BY version`,
      [tenantId, intentId],
    );
    return rows.map(map);
  }

  async findById(tenantId: string, id: string): Promise<EvidencePackRow | null> {
    const rows: Record<string, unknown>[] = await this.ds.query(`SELECT * FROM evidence_packs WHERE tenant_id = $1 AND id = $2`, [
      tenantId,
      id,
    ]);
    return rows[0] ? map(rows[0]) : null;
  }

  /** The pack of one version of an intent, or null. */
  async findVersion(tenantId: string, intentId: string, version: number): Promise<EvidencePackRow | null> {
    const rows: Record<string, unknown>[] = await this.ds.query(
      `SELECT * FROM evidence_packs WHERE tenant_id = $1 AND intent_id = $2 AND version = $3`,
      [tenantId, intentId, version],
    );
    return rows[0] ? map(rows[0]) : null;
  }

  /**
   * Records a pack once: a concurrent or retried insert of the same (tenant, intent, version) keeps the first row.
   * Returns the row that is stored (the caller's, or the one that won).
   */
  async insertOnce(p: NewEvidencePack): Promise<EvidencePackRow> {
    await this.ds.query(
      `INSERT INTO evidence_packs (id, tenant_id, intent_id, version, sha256, prev_sha256, bucket, object_key, size_bytes,
                                   retention_mode, retain_until, manifest, signature, key_id, manifest_key, version_id)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16) ON CONFLICT (tenant_id, intent_id, version) DO NOTHING`,
      [
        p.id,
        p.tenantId,
        p.intentId,
        p.version,
        p.sha256,
        p.previousPackHash,
        p.bucket,
        p.objectKey,
        p.sizeBytes,
        p.retention.mode,
        p.retention.retainUntil,
        JSON.stringify(p.manifest),
        p.signature,
        p.keyId,
        p.manifestKey,
        p.versionId,
      ],
    );
    const stored = await this.findVersion(p.tenantId, p.intentId, p.version);
    if (!stored) throw new Error(`evidence pack v${p.version} of intent ${p.intentId} was not recorded`);
    return stored;
  }
}
