import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { NotFoundError, UpstreamUnavailableError, type ArtifactCheckResult, type IntentSpec } from '@eucora/core';
import { ArtifactRepository } from '@eucora/persistence';
import type { ArtifactFetcher } from './http-artifact-fetcher';

/**
 * Measures an intent's artifact: a recorded upload is looked up (its bytes were hashed when streamed in); a source URL is
 * fetched through `fetcher` and its check recorded in `artifact_checks`.
 */
export class ArtifactChecker {
  private readonly checks: ArtifactRepository;

  /** `fetcher`: how URL-sourced artifacts are fetched; without one a URL-sourced intent fails as upstream-unavailable. */
  constructor(
    ds: DataSource,
    private readonly fetcher?: ArtifactFetcher,
  ) {
    this.checks = new ArtifactRepository(ds);
  }

  /** Null when there is nothing to check (no upload, no source URL). */
  async check(tenantId: string, intentId: string, a: IntentSpec['artifact']): Promise<ArtifactCheckResult | null> {
    if (a.checkId) {
      const row = await this.checks.findById(tenantId, a.checkId);
      if (!row) throw new NotFoundError(`Artifact check ${a.checkId} not found`);
      return {
        verifiedSha256: row.sha256,
        check: { source: 'upload', sizeBytes: row.sizeBytes, at: row.createdAt },
        ...(row.bucket && row.objectKey ? { stored: { bucket: row.bucket, key: row.objectKey } } : {}),
      };
    }
    if (a.sourceUrl) {
      if (!this.fetcher) throw new UpstreamUnavailableError('no artifact fetcher configured', 'artifact-source');
      const m = await this.fetcher.fetch(tenantId, a.sourceUrl, a.sha256);
      const at = new Date().toISOString();
      // Recorded so the bytes and their check survive the workflow (evidence, audit) like uploads do.
      await this.checks.insert({
        id: randomUUID(),
        tenantId,
        sha256: m.sha256,
        sizeBytes: m.sizeBytes,
        source: 'url',
        url: a.sourceUrl,
        fileName: null,
        bucket: m.stored?.bucket ?? null,
        objectKey: m.stored?.key ?? null,
        intentId,
        createdBy: 'worker',
      });
      return {
        verifiedSha256: m.sha256,
        check: { source: 'url', sizeBytes: m.sizeBytes, url: a.sourceUrl, at },
        ...(m.stored ? { stored: { bucket: m.stored.bucket, key: m.stored.key } } : {}),
      };
    }
    return null;
  }

  /** The name an artifact was uploaded under (install commands refer to it); null when not uploaded or sent without one. */
  async uploadedFileName(tenantId: string, a: IntentSpec['artifact']): Promise<string | null> {
    return a.checkId ? ((await this.checks.findById(tenantId, a.checkId))?.fileName ?? null) : null;
  }
}
