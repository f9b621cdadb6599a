import type { Readable } from 'node:stream';
import type { Client } from 'minio';
import type { DataSource } from 'typeorm';
import { InputError, NotFoundError, sha256Hex, verifyEvidenceBundle, type PublishedKey, type Principal, type VerificationCheck } from '@eucora/core';

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Metadata of a stored pack. */
export interface EvidencePackView {
  id: string;
  intentId: string;
  version: number;
  sha256: string;
  previousPackHash: string | null;
  bucket: string;
  objectKey: string;
  /** The object version holding the pack; a later PUT to the key cannot replace it. */
  versionId: string | null;
  sizeBytes: number;
  retention: { mode: string; retainUntil: string };
  manifest: unknown;
  signature: string | null;
  keyId: string | null;
  createdAt: string;
}

interface Row {
  id: string;
  intent_id: string;
  version: number;
  sha256: string;
  prev_sha256: string | null;
  bucket: string;
  object_key: string;
  version_id: string | null;
  size_bytes: number;
  retention_mode: string;
  retain_until: string;
  manifest: unknown;
  signature: string | null;
  key_id: string | null;
  created_at: string;
}

function view(r: Row): EvidencePackView {
  return {
    id: r.id,
    intentId: r.intent_id,
    version: r.version,
    sha256: r.sha256,
    previousPackHash: r.prev_sha256,
    bucket: r.bucket,
    objectKey: r.object_key,
    versionId: r.version_id,
    sizeBytes: r.size_bytes,
    retention: { mode: r.retention_mode, retainUntil: new Date(r.retain_until).toISOString() },
    manifest: r.manifest,
    signature: r.signature,
    keyId: r.key_id,
    createdAt: new Date(r.created_at).toISOString(),
  };
}

/**
 * The stored bytes of a pack cannot be read (object or version gone, store unreachable) or differ from the recorded hash.
 * The router answers 502 `evidence-storage-unavailable`; `code` is the store's error code, never its message or body.
 */
export class EvidenceStorageError extends Error {
  constructor(readonly packId: string, readonly code: string) {
    super(`The stored bytes of evidence pack ${packId} cannot be served (${code}); its integrity cannot be shown`);
    this.name = 'EvidenceStorageError';
  }
}

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** The auditor's view of evidence packs: metadata, the stored bytes unchanged, and a server-side re-verification. */
export class EvidenceService {
  constructor(
    private readonly ds: DataSource,
    private readonly minio: Client,
    private readonly keys: () => PublishedKey[],
  ) {}

  publishedKeys(): { keys: PublishedKey[] } {
    return { keys: this.keys() };
  }

  async list(principal: Principal, intent: unknown): Promise<{ items: EvidencePackView[] }> {
    if (typeof intent !== 'string' || !UUID_RE.test(intent)) throw new InputError('Invalid query', [{ path: 'intent', message: 'is required: the intent id (UUID)' }]);
    const rows: Row[] = await this.ds.query(`SELECT * FROM evidence_packs WHERE tenant_id = $1 AND intent_id = $2 ORDER BY version`, [principal.tenantId, intent]);
    return { items: rows.map(view) };
  }

  async get(principal: Principal, id: string): Promise<EvidencePackView> {
    if (!UUID_RE.test(id)) throw new InputError('Invalid evidence pack id', [{ path: 'id', message: 'must be a UUID' }]);
    const rows: Row[] = await this.ds.query(`SELECT * FROM evidence_packs WHERE tenant_id = $1 AND id = $2`, [principal.tenantId, id]);
    if (!rows[0]) throw new NotFoundError(`Evidence pack ${id} not found`);
    const v = view(rows[0]);
    // Report the retention MinIO enforces, not only what we recorded.
    const live = await this.minio.getObjectRetention(v.bucket, v.objectKey, v.versionId ? { versionId: v.versionId } : undefined).catch(() => null);
    if (live?.retainUntilDate) v.retention = { mode: String(live.mode), retainUntil: new Date(live.retainUntilDate).toISOString() };
    return v;
  }

  /** The stored bytes, exactly as written; `EvidenceStorageError` when they are gone or differ from the recorded hash. */
  async content(principal: Principal, id: string): Promise<{ bytes: Buffer; sha256: string }> {
    const v = await this.get(principal, id);
    const bytes = await this.readStored(v);
    const sha256 = sha256Hex(bytes);
    if (sha256 !== v.sha256) throw new EvidenceStorageError(id, 'HashMismatch');
    return { bytes, sha256 };
  }

  private async readStored(v: EvidencePackView): Promise<Buffer> {
    try {
      return await readAll(await this.minio.getObject(v.bucket, v.objectKey, v.versionId ? { versionId: v.versionId } : undefined));
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      throw new EvidenceStorageError(v.id, typeof code === 'string' && /^[A-Za-z0-9_]{1,64}$/.test(code) ? code : 'StorageError');
    }
  }

  /** Re-checks storage (bytes and retention), the signature and the chain link to the previous version. */
  async verify(principal: Principal, id: string): Promise<{ ok: boolean; checks: (VerificationCheck | { name: 'storage'; ok: boolean; detail: string })[] }> {
    const v = await this.get(principal, id);
    let bytes: Buffer;
    try {
      bytes = await this.readStored(v);
    } catch (err) {
      if (!(err instanceof EvidenceStorageError)) throw err;
      // Nothing else can be checked without the bytes: the answer is a verdict (ok:false), not a server error.
      const detail = `object ${v.objectKey} version ${v.versionId ?? '-'}: cannot be read (${err.code})`;
      return { ok: false, checks: [{ name: 'storage', ok: false, detail }] };
    }
    const prev: Row[] = v.version > 1 ? await this.ds.query(`SELECT sha256 FROM evidence_packs WHERE tenant_id = $1 AND intent_id = $2 AND version = $3`, [principal.tenantId, v.intentId, v.version - 1]) : [];
    const result = verifyEvidenceBundle({
      packBytes: bytes,
      manifest: v.manifest,
      signature: v.signature ?? '',
      publicKeys: this.keys(),
      previousPackSha256: v.version > 1 ? (prev[0]?.sha256 ?? null) : null,
    });
    const locked = Date.parse(v.retention.retainUntil) > Date.now();
    const storage = {
      name: 'storage' as const,
      ok: sha256Hex(bytes) === v.sha256 && locked,
      detail: `object ${v.objectKey}: ${sha256Hex(bytes) === v.sha256 ? 'bytes match the recorded hash' : 'bytes differ from the recorded hash'}; retention ${v.retention.mode} until ${v.retention.retainUntil}${locked ? '' : ' (expired)'}`,
    };
    return { ok: result.ok && storage.ok, checks: [storage, ...result.checks] };
  }
}
