import type { ArtifactContent, DeployArtifact } from '@eucora/connectors';
import type { MinioArtifactStore } from '@eucora/runtime';
import type { ArtifactContentSource } from '@eucora/workflows';

/** File name on the plane: the artifact's name and version with its format, in characters every plane accepts. */
function fileNameOf(a: DeployArtifact): string {
  const base = `${a.name}-${a.version}`.replace(/[^\w.-]+/g, '_').slice(0, 200);
  return `${base}.${a.format}`;
}

/**
 * `ArtifactContentSource` over the MinIO content store: the object under the declared SHA-256 exists only if its bytes were
 * verified (MinioArtifactStore commits nothing else), so its presence is the proof; its size must be the declared one.
 */
export class MinioArtifactContentSource implements ArtifactContentSource {
  constructor(private readonly store: MinioArtifactStore) {}

  /** `fileName` defaults to `<name>-<version>.<format>`. */
  async get(tenantId: string, artifact: DeployArtifact, fileName?: string): Promise<ArtifactContent | undefined> {
    const stat = await this.store.stat(tenantId, artifact.sha256);
    if (!stat) return undefined;
    const store = this.store;
    return {
      sha256: artifact.sha256,
      sizeBytes: stat.sizeBytes,
      fileName: fileName ?? fileNameOf(artifact),
      open: () => store.open(tenantId, artifact.sha256),
      downloadUrl: (ttlSeconds: number) => store.downloadUrl(tenantId, artifact.sha256, ttlSeconds),
    };
  }
}
