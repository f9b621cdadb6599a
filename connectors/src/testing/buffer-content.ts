import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import type { ArtifactContent } from '../index';

/** `ArtifactContent` over bytes in memory, for connector tests that need no object store. */
export function bufferContent(bytes: Buffer, fileName: string, chunk = 64 * 1024): ArtifactContent {
  return {
    sha256: createHash('sha256').update(bytes).digest('hex'),
    sizeBytes: bytes.length,
    fileName,
    open: async () =>
      Readable.from(
        (function* () {
          for (let i = 0; i < bytes.length; i += chunk) yield bytes.subarray(i, i + chunk);
        })(),
      ),
    downloadUrl: async () => {
      throw new Error('bufferContent has no download URL');
    },
  };
}
