import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import { InputError, type Principal } from '@eucora/core';
import type { ArtifactRepository } from '@eucora/persistence';
import type { MinioArtifactStore } from '@eucora/runtime';

/** Where artifact checks are recorded (`ArtifactRepository` in production). */
export type ArtifactRecords = Pick<ArtifactRepository, 'insert' | 'exists'>;

/** The content store the bytes stream into (`MinioArtifactStore` in production). */
export type ArtifactContent = Pick<MinioArtifactStore, 'put'>;

/** What the uploader declared about the bytes (the router takes both from request headers). */
export interface ArtifactUploadInput {
  /** A display name already checked by the caller; default none. */
  fileName?: string;
  /** Lowercase hex SHA-256 the bytes must hash to; default none (the measured hash is kept). */
  declaredSha256?: string;
}

/** A recorded artifact check. */
export interface ArtifactCheck {
  id: string;
  sha256: string;
  sizeBytes: number;
  source: 'upload';
  fileName: string | null;
  /** Where the verified bytes are kept (content store bucket and key). */
  stored: { bucket: string; key: string };
  createdAt: string;
}

/**
 * Keeps uploaded artifacts: the bytes stream into the content store while they are hashed (never buffered whole), are
 * committed under their SHA-256 only when it is the declared one, and the check is recorded for intents to reference.
 * The store's `TooLargeError` and `ArtifactHashMismatchError` pass through for the caller to answer.
 */
export class ArtifactService {
  constructor(
    private readonly repo: ArtifactRecords,
    private readonly store: ArtifactContent,
    readonly maxBytes: number,
  ) {}

  async upload(principal: Principal, body: Readable, input: ArtifactUploadInput = {}): Promise<ArtifactCheck> {
    const { fileName, declaredSha256 } = input;
    const stored = await this.store.put(principal.tenantId, body, { maxBytes: this.maxBytes, declaredSha256 });
    if (stored.sizeBytes === 0) {
      throw new InputError('Empty artifact', [{ path: '(body)', message: 'the request body must be the artifact bytes' }]);
    }
    const row = await this.repo.insert({
      id: randomUUID(),
      tenantId: principal.tenantId,
      sha256: stored.sha256,
      sizeBytes: stored.sizeBytes,
      source: 'upload',
      url: null,
      fileName: fileName ?? null,
      bucket: stored.bucket,
      objectKey: stored.key,
      intentId: null,
      createdBy: principal.actor,
    });
    return {
      id: row.id,
      sha256: row.sha256,
      sizeBytes: row.sizeBytes,
      source: 'upload',
      fileName: row.fileName,
      stored: { bucket: stored.bucket, key: stored.key },
      createdAt: row.createdAt,
    };
  }

  async exists(tenantId: string, id: string): Promise<boolean> {
    return this.repo.exists(tenantId, id);
  }
}
