import type { Readable } from 'node:stream';
import { NotFoundError, sha256Hex, verifyEvidenceBundle, type PublishedKey, type Principal, type VerificationCheck } from '@eucora/core';
import type { EvidencePackRow } from '@eucora/persistence';

/**
 * Metadata of a stored pack, as auditors see it: the stored row without the tenant (implied by the caller) and the manifest's
 * object key. `versionId` pins the object version holding the pack; a later PUT to the key cannot replace it.
 */
export type EvidencePackView = Omit<EvidencePackRow, 'tenantId' | 'manifestKey'>;

/** The pack metadata the service reads (`EvidencePackRepository` in production), scoped by tenant. */
export interface EvidencePackReader {
  listByIntent(tenantId: string, intentId: string): Promise<EvidencePackRow[]>;
  findById(tenantId: string, id: string): Promise<EvidencePackRow | null>;
  findVersion(tenantId: string, intentId: string, version: number): Promise<EvidencePackRow | null>;
}

/** Reads of the evidence bucket (a MinIO `Client` in production); `versionId` pins the object version. */
export interface EvidenceObjectReader {
  getObject(bucket: string, key: string, opts?: { versionId: string }): Promise<Readable>;
  /** The retention the store enforces on the object; null/undefined when it has none. */
  getObjectRetention(
    bucket: string,
    key: string,
    opts?: { versionId: string },
  ): Promise<{ mode?: unknown; retainUntilDate?: string | Date } | null | undefined>;
}

// Field by field on purpose: a column added to the row reaches auditors only once it is listed here.
function view(r: EvidencePackRow): EvidencePackView {
  return {
    id: r.id,
    intentId: r.intentId,
    version: r.version,
    sha256: r.sha256,
    previousPackHash: r.previousPackHash,
    bucket: r.bucket,
    objectKey: r.objectKey,
    versionId: r.versionId,
    sizeBytes: r.sizeBytes,
    retention: { ...r.retention },
    manifest: r.manifest,
    signature: r.signature,
    keyId: r.keyId,
    createdAt: r.createdAt,
  };
}

/**
 * The stored bytes of a pack cannot be read (object or version gone, store unreachable) or differ from the recorded hash.
 * The router answers 502 `evidence-storage-unavailable`; `code` is the store's error code, never its message or body.
 */
export class EvidenceStorageError extends Error {
  constructor(
    readonly packId: string,
    readonly code: string,
  ) {
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
    private readonly packs: EvidencePackReader,
    private readonly objects: EvidenceObjectReader,
    /** The published verification keys, re-read per call so rotations apply. */
    private readonly keys: () => PublishedKey[],
  ) {}

  publishedKeys(): { keys: PublishedKey[] } {
    return { keys: this.keys() };
  }

  /** Every version of an intent's pack, oldest first (the router checks that `intentId` is a UUID). */
  async list(principal: Principal, intentId: string): Promise<{ items: EvidencePackView[] }> {
    return { items: (await this.packs.listByIntent(principal.tenantId, intentId)).map(view) };
  }

  /** One pack with the retention the store enforces; `NotFoundError` when the tenant has no such pack. */
  async get(principal: Principal, id: string): Promise<EvidencePackView> {
    const row = await this.packs.findById(principal.tenantId, id);
    if (!row) throw new NotFoundError(`Evidence pack ${id} not found`);
    const v = view(row);
    // Report the retention MinIO enforces, not only what we recorded.
    const pin = v.versionId ? { versionId: v.versionId } : undefined;
    const live = await this.objects.getObjectRetention(v.bucket, v.objectKey, pin).catch(() => null);
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
      return await readAll(await this.objects.getObject(v.bucket, v.objectKey, v.versionId ? { versionId: v.versionId } : undefined));
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      throw new EvidenceStorageError(v.id, typeof code === 'string' && /^[A-Za-z0-9_]{1,64}$/.test(code) ? code : 'StorageError');
    }
  }

  /** Re-checks storage (bytes and retention), the signature and the chain link to the previous version. */
  async verify(
    principal: Principal,
    id: string,
  ): Promise<{ ok: boolean; checks: (VerificationCheck | { name: 'storage'; ok: boolean; detail: string })[] }> {
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
    const prev = v.version > 1 ? await this.packs.findVersion(principal.tenantId, v.intentId, v.version - 1) : null;
    const result = verifyEvidenceBundle({
      packBytes: bytes,
      manifest: v.manifest,
      signature: v.signature ?? '',
      publicKeys: this.keys(),
      previousPackSha256: prev?.sha256 ?? null,
    });
    const locked = Date.parse(v.retention.retainUntil) > Date.now();
    const matches = sha256Hex(bytes) === v.sha256;
    const storage = {
      name: 'storage' as const,
      ok: matches && locked,
      detail:
        `object ${v.objectKey}: ${matches ? 'bytes match the recorded hash' : 'bytes differ from the recorded hash'}; ` +
        `retention ${v.retention.mode} until ${v.retention.retainUntil}${locked ? '' : ' (expired)'}`,
    };
    return { ok: result.ok && storage.ok, checks: [storage, ...result.checks] };
  }
}
