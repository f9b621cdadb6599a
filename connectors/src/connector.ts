import type { Plane, RingCounts } from '@eucora/core';

/** Per-device counts a plane reports for one ring. */
export type DeviceCounts = RingCounts;

/** Common to every connector call: idempotency key (derived from workflow id + ring + step) and correlation id. */
export interface ConnectorCall {
  tenantId: string;
  idempotencyKey: string;
  correlationId: string;
}

/** How a plane detects that the artifact is installed (the intent's `artifact.detectionRule`). */
export interface DetectionRule {
  type: 'file' | 'registry' | 'product_code' | 'script';
  value: string;
}

/** The artifact as the intent declares it; connectors send these values, never derived stand-ins. */
export interface DeployArtifact {
  name: string;
  version: string;
  publisher: string;
  /** Declared SHA-256 (hex). */
  sha256: string;
  installCommand: string;
  uninstallCommand: string;
  platform: 'windows' | 'macos' | 'linux';
  format: string;
  sizeBytes: number;
  detectionRule: DetectionRule;
}

/**
 * Verified artifact bytes from the artifact content store (keyed by SHA-256). Connectors deliver exactly these bytes to
 * the plane (Intune content upload, Jamf package upload) or reference them (SCCM/Landscape/AWX, see vendor-contracts.md).
 */
export interface ArtifactContent {
  /** SHA-256 (hex) the stored bytes were verified against. */
  sha256: string;
  sizeBytes: number;
  /** File name of the installer on the plane (e.g. `7z2408-x64.msi`). */
  fileName: string;
  /** A fresh stream of the bytes on each call. */
  open(): Promise<import('node:stream').Readable>;
  /** A time-limited URL from which the plane or its devices can download the bytes. */
  downloadUrl(ttlSeconds: number): Promise<string>;
}

/** Deploy one ring of an intent. */
export interface DeployRingRequest extends ConnectorCall {
  intentId: string;
  ring: { index: number; name: string; deviceGroup: string };
  artifact: DeployArtifact;
  /** The verified bytes; absent only when the intent's artifact was never verified (policy denies that in production). */
  content?: ArtifactContent;
  /** Called at each step of a long content upload (the deployRing activity heartbeats with it); default none. */
  onProgress?: (progress: Record<string, unknown>) => void;
}

/** What a deploy left on the plane: the object ids to poll and roll back. */
export interface DeployRingResult {
  plane: Plane;
  /** Plane-side object ids (app id, policy id, deployment id, activity id, job id). */
  objectIds: Record<string, string>;
  /** True when an existing object was adopted instead of created (idempotent re-deploy). */
  adopted: boolean;
}

/** Opaque per-plane counters (e.g. Intune's installSummary) recorded before a ring starts. */
export type RingBaseline = Record<string, number>;

/**
 * One execution plane (Intune, Jamf, SCCM, Landscape, AWX). Every method is idempotent for a given idempotency key;
 * transient failures surface as `UpstreamUnavailableError`, permanent ones as the other domain errors.
 */
export interface PlaneConnector {
  readonly plane: Plane;
  /** Plane-side counters taken just before a ring is deployed; ring status is measured against them. */
  ringBaseline(req: DeployRingRequest): Promise<RingBaseline>;
  deployRing(req: DeployRingRequest): Promise<DeployRingResult>;
  ringStatus(req: ConnectorCall & { deployment: DeployRingResult; baseline: RingBaseline }): Promise<DeviceCounts>;
  rollbackRing(req: ConnectorCall & { deployment: DeployRingResult }): Promise<void>;
}
