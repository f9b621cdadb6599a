import type { DeployArtifact } from '../connector';

/** `<name> <version>` of an artifact, the readable part of every plane object EUCORA names after it. */
export function artifactTitle(artifact: Pick<DeployArtifact, 'name' | 'version'>): string {
  return `${artifact.name} ${artifact.version}`;
}

/**
 * Natural key of a plane's application object, one per artifact version and intent: `<name> <version> [eucora <intent>]`
 * (Intune win32LobApp `displayName`, SCCM application `LocalizedDisplayName`).
 */
export function intentAppName(req: { intentId: string; artifact: Pick<DeployArtifact, 'name' | 'version'> }): string {
  return `${artifactTitle(req.artifact)} [eucora ${req.intentId}]`;
}
