import { Readable } from 'node:stream';
import { InputError, UpstreamUnavailableError } from '@eucora/core';
import { ArtifactHashMismatchError, TooLargeError, type MinioArtifactStore, type StoredArtifact } from '@eucora/runtime';

/** Fetches `artifact.sourceUrl` into the content store. */
export interface ArtifactFetcher {
  /** Streams the URL into the store; `stored` is absent when the bytes did not match `declaredSha256` (nothing is kept). */
  fetch(
    tenantId: string,
    sourceUrl: string,
    declaredSha256: string,
  ): Promise<{ sha256: string; sizeBytes: number; stored?: StoredArtifact }>;
}

/** Options of the URL fetcher. */
export interface HttpArtifactFetcherOptions {
  /** Hosts artifacts may be fetched from (ARTIFACT_URL_ALLOWLIST); default none. */
  urlAllowlist: readonly string[];
  /** Largest artifact, bytes (ARTIFACT_MAX_BYTES). */
  maxBytes: number;
  /** Whole-fetch timeout, ms; default 25 minutes (inside the 30-minute artifact activity). */
  timeoutMs?: number;
}

/** `ArtifactFetcher` over HTTPS fetch: allow-listed host, no redirects, streamed into the store while hashed. */
export class HttpArtifactFetcher implements ArtifactFetcher {
  constructor(
    private readonly store: MinioArtifactStore,
    private readonly opts: HttpArtifactFetcherOptions,
  ) {}

  async fetch(tenantId: string, sourceUrl: string, declaredSha256: string) {
    const url = new URL(sourceUrl);
    // Checked again here: the allow-list may have shrunk since the intent was filed.
    if (!this.opts.urlAllowlist.includes(url.hostname.toLowerCase())) {
      throw new InputError('Artifact URL not allowed', [
        { path: 'artifact.sourceUrl', message: `host ${url.hostname} is not on ARTIFACT_URL_ALLOWLIST` },
      ]);
    }
    let res: Response;
    try {
      res = await fetch(url, { redirect: 'error', signal: AbortSignal.timeout(this.opts.timeoutMs ?? 25 * 60_000) });
    } catch (err) {
      throw new UpstreamUnavailableError(`artifact fetch failed: ${(err as Error).message}`, 'artifact-source');
    }
    if (!res.ok || !res.body) {
      if (res.status >= 500 || res.status === 429) {
        throw new UpstreamUnavailableError(`artifact source answered ${res.status}`, 'artifact-source');
      }
      throw new InputError(`artifact source answered ${res.status}`, [{ path: 'artifact.sourceUrl', message: `HTTP ${res.status}` }]);
    }
    const body = Readable.fromWeb(res.body as import('node:stream/web').ReadableStream<Uint8Array>);
    try {
      const stored = await this.store.put(tenantId, body, { maxBytes: this.opts.maxBytes, declaredSha256 });
      return { sha256: stored.sha256, sizeBytes: stored.sizeBytes, stored };
    } catch (err) {
      // A mismatch is a finding, not a failure: policy denies the intent on the measured hash.
      if (err instanceof ArtifactHashMismatchError) return { sha256: err.measured, sizeBytes: err.sizeBytes };
      if (err instanceof TooLargeError) {
        body.destroy();
        throw new InputError('Artifact too large', [{ path: 'artifact.sourceUrl', message: err.message }]);
      }
      throw err;
    }
  }
}
