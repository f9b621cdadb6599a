import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';

/** Raised when a stream exceeds its size limit. */
export class TooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`exceeds the limit of ${limit} bytes`);
    this.name = 'TooLargeError';
  }
}

/**
 * SHA-256 and size of a stream, read chunk by chunk so memory stays flat whatever the size. Used for uploads, URL
 * fetches and `npm run bench:evidence`.
 */
export async function hashStream(
  stream: Readable | AsyncIterable<Uint8Array>,
  maxBytes = Number.MAX_SAFE_INTEGER,
): Promise<{ sha256: string; sizeBytes: number }> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of stream as AsyncIterable<Uint8Array>) {
    size += chunk.length;
    // The caller decides what happens to the rest of the stream (an HTTP handler answers 413 and closes).
    if (size > maxBytes) throw new TooLargeError(maxBytes);
    hash.update(chunk);
  }
  return { sha256: hash.digest('hex'), sizeBytes: size };
}
