import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import { InputError, type Principal } from '@eucora/core';
import type { ArtifactRepository } from '@eucora/persistence';
import { ArtifactHashMismatchError, TooLargeError, type MinioArtifactStore } from '@eucora/runtime';

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
 */
export class ArtifactService {
  constructor(private readonly repo: ArtifactRepository, private readonly store: MinioArtifactStore, readonly maxBytes: number) {}

  async upload(principal: Principal, body: Readable, fileName: string | undefined, declaredSha256?: string): Promise<ArtifactCheck> {
    let stored;
    try {
      stored = await this.store.put(principal.tenantId, body, { maxBytes: this.maxBytes, declaredSha256 });
    } catch (err) {
      if (err instanceof TooLargeError) {
        // Stop reading and let the server close the connection after the 413 instead of swallowing the rest.
        body.pause();
        throw Object.assign(new Error(err.message), { type: 'entity.too.large', status: 413, limit: this.maxBytes });
      }
      if (err instanceof ArtifactHashMismatchError) {
        throw new InputError('Artifact bytes do not match the declared SHA-256', [
          { path: 'X-Artifact-SHA256', message: `the uploaded bytes hash to ${err.measured}; nothing was kept` },
        ]);
      }
      throw err;
    }
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
      id: row.id, sha256: row.sha256, sizeBytes: row.sizeBytes, source: 'upload', fileName: row.fileName,
      stored: { bucket: stored.bucket, key: stored.key }, createdAt: row.createdAt,
    };
  }

  async exists(tenantId: string, id: string): Promise<boolean> {
    return this.repo.exists(tenantId, id);
  }
}
