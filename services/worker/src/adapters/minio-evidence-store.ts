import type { Client, RetentionOptions } from 'minio';

/** Where packs are written once, under object lock. */
export interface EvidenceStore {
  /** Writes `bytes` at `key` unless it exists (content-addressed, so an existing object has the same bytes). */
  putOnce(key: string, bytes: Buffer): Promise<{ versionId: string | null; retention: { mode: string; retainUntil: Date } }>;
}

/** Options of the MinIO evidence store. */
export interface MinioEvidenceStoreOptions {
  bucket: string;
  /** COMPLIANCE in production (nobody can shorten or remove it), GOVERNANCE in tests so they can clean up. */
  mode: 'COMPLIANCE' | 'GOVERNANCE';
  /** Retention period in days. */
  days: number;
}

/**
 * Evidence packs in a MinIO bucket created with object lock. The retention is set with putObjectRetention after the
 * write: minio-js rewrites `x-amz-object-lock-*` metadata on putObject, so headers on the put are not reliable.
 */
export class MinioEvidenceStore implements EvidenceStore {
  constructor(
    private readonly client: Client,
    private readonly opts: MinioEvidenceStoreOptions,
  ) {}

  async putOnce(key: string, bytes: Buffer): Promise<{ versionId: string | null; retention: { mode: string; retainUntil: Date } }> {
    const existing = await this.client.statObject(this.opts.bucket, key).catch((err: { code?: string }) => {
      if (err.code === 'NotFound' || err.code === 'NoSuchKey') return null;
      throw err;
    });
    let versionId = existing?.versionId ?? null;
    if (!existing) {
      versionId = (await this.client.putObject(this.opts.bucket, key, bytes, bytes.length, { 'Content-Type': 'application/json' }))
        .versionId;
    }
    const current = await this.client.getObjectRetention(this.opts.bucket, key).catch(() => null);
    if (current?.retainUntilDate)
      return { versionId, retention: { mode: String(current.mode), retainUntil: new Date(current.retainUntilDate) } };
    const retainUntil = new Date(Date.now() + this.opts.days * 86_400_000);
    await this.client.putObjectRetention(this.opts.bucket, key, {
      versionId: versionId ?? '',
      mode: this.opts.mode as RetentionOptions['mode'],
      retainUntilDate: retainUntil.toISOString(),
    });
    return { versionId, retention: { mode: this.opts.mode, retainUntil } };
  }
}
