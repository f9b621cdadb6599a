import { createHash, randomUUID } from 'node:crypto';
import { Transform, type Readable } from 'node:stream';
import { CopyDestinationOptions, CopySourceOptions, type Client } from 'minio';
import { TooLargeError } from './stream-hash';
import { InputError } from '@eucora/core';

/** Where verified artifact bytes were stored. */
export interface StoredArtifact {
  sha256: string;
  sizeBytes: number;
  bucket: string;
  key: string;
}

/** Raised when the streamed bytes do not hash to the declared SHA-256; nothing is kept. */
export class ArtifactHashMismatchError extends Error {
  constructor(
    readonly declared: string,
    readonly measured: string,
    readonly sizeBytes: number,
  ) {
    super(`artifact SHA-256 is ${measured}, ${declared} declared`);
    this.name = 'ArtifactHashMismatchError';
  }
}

/** Object key of an artifact: tenant-scoped, content-addressed. */
export function artifactKey(tenantId: string, sha256: string): string {
  return `${tenantId}/sha256/${sha256}`;
}

const COPY_LIMIT = 5 * 1024 ** 3;

/**
 * The artifact content store (DESIGN.md §2 "Artifacts"): bytes stream into a temporary object while they are hashed (memory
 * bounded by one multipart part, never the whole artifact), and are copied to `<tenant>/sha256/<hex>` only when the hash is
 * the declared one (or, with none declared, under the measured hash). A failed or mismatched upload leaves no final object,
 * so the presence of the final key means "these bytes were verified".
 */
export class MinioArtifactStore {
  private bucketReady: Promise<void> | undefined;

  constructor(
    private readonly minio: Client,
    readonly bucket: string,
    private readonly region = 'us-east-1',
  ) {}

  /** Creates the bucket when absent (setup does it too; this keeps a fresh test stack working). */
  async ensureBucket(): Promise<'created' | 'exists'> {
    const exists = await this.minio.bucketExists(this.bucket);
    if (!exists) {
      try {
        await this.minio.makeBucket(this.bucket, this.region);
      } catch (err) {
        // Two processes racing to create it: the loser's error is harmless.
        if (!(await this.minio.bucketExists(this.bucket))) throw err;
      }
    }
    return exists ? 'exists' : 'created';
  }

  private ready(): Promise<void> {
    this.bucketReady ??= this.ensureBucket().then(
      () => undefined,
      (err) => {
        this.bucketReady = undefined;
        throw err;
      },
    );
    return this.bucketReady;
  }

  /** Streams `body` in, verifying it against `declaredSha256` when given; throws `TooLargeError` past `maxBytes`. */
  async put(tenantId: string, body: Readable, opts: { maxBytes: number; declaredSha256?: string }): Promise<StoredArtifact> {
    await this.ready();
    const hash = createHash('sha256');
    let size = 0;
    const tap = new Transform({
      transform(chunk: Buffer, _enc, done) {
        size += chunk.length;
        if (size > opts.maxBytes) return done(new TooLargeError(opts.maxBytes));
        hash.update(chunk);
        done(null, chunk);
      },
    });
    const tmp = `${tenantId}/tmp/${randomUUID()}`;
    try {
      // The size hint is the limit, not the length: it only makes minio-js stream in parts instead of buffering.
      // pipe, not pipeline: on a limit error the source is only unpiped (left paused), so an HTTP handler can still answer 413.
      const fed = new Promise<void>((resolve, reject) => {
        body.once('error', reject);
        tap.once('error', reject);
        tap.once('end', resolve);
        body.pipe(tap);
      });
      try {
        await Promise.all([fed, this.minio.putObject(this.bucket, tmp, tap, opts.maxBytes)]);
      } catch (err) {
        // An empty stream is a multipart upload with no part, which S3 refuses; say what it is instead.
        if (size === 0 && !(err instanceof TooLargeError))
          throw new InputError('Empty artifact', [{ path: '(body)', message: 'the request body must be the artifact bytes' }]);
        throw err;
      }
      const sha256 = hash.digest('hex');
      if (opts.declaredSha256 && opts.declaredSha256 !== sha256) throw new ArtifactHashMismatchError(opts.declaredSha256, sha256, size);
      const key = artifactKey(tenantId, sha256);
      if (!(await this.exists(key))) await this.commit(tmp, key, size);
      return { sha256, sizeBytes: size, bucket: this.bucket, key };
    } finally {
      await this.minio.removeObject(this.bucket, tmp).catch(() => undefined);
    }
  }

  private async commit(tmp: string, key: string, size: number): Promise<void> {
    const src = new CopySourceOptions({ Bucket: this.bucket, Object: tmp });
    const dest = new CopyDestinationOptions({ Bucket: this.bucket, Object: key });
    if (size <= COPY_LIMIT) await this.minio.copyObject(src, dest);
    else await this.minio.composeObject(dest, [src]);
  }

  private async exists(key: string): Promise<boolean> {
    try {
      await this.minio.statObject(this.bucket, key);
      return true;
    } catch (err) {
      if ((err as { code?: string }).code === 'NotFound' || (err as { code?: string }).code === 'NoSuchKey') return false;
      throw err;
    }
  }

  /** The stored size of a verified artifact, or null when its bytes were never stored. */
  async stat(tenantId: string, sha256: string): Promise<{ sizeBytes: number; bucket: string; key: string } | null> {
    const key = artifactKey(tenantId, sha256);
    try {
      const s = await this.minio.statObject(this.bucket, key);
      return { sizeBytes: s.size, bucket: this.bucket, key };
    } catch (err) {
      if ((err as { code?: string }).code === 'NotFound' || (err as { code?: string }).code === 'NoSuchKey') return null;
      throw err;
    }
  }

  /** A fresh stream of the verified bytes. */
  open(tenantId: string, sha256: string): Promise<Readable> {
    return this.minio.getObject(this.bucket, artifactKey(tenantId, sha256));
  }

  /** A presigned GET URL valid for `ttlSeconds` (1 s – 7 days). */
  downloadUrl(tenantId: string, sha256: string, ttlSeconds: number): Promise<string> {
    return this.minio.presignedGetObject(
      this.bucket,
      artifactKey(tenantId, sha256),
      Math.max(1, Math.min(604_800, Math.floor(ttlSeconds))),
    );
  }
}
