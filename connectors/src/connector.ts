import type { DeployArtifactSpec, Plane, RingCounts } from '@eucora/core';

/** Per-device counts a plane reports for one ring. */
export type DeviceCounts = RingCounts;

/**
 * Common to every connector call. No plane API takes an idempotency key (vendor-contracts.md): connectors are idempotent by
 * natural keys (look up before create), so calls carry none.
 */
export interface ConnectorCall {
  tenantId: string;
  /** The request's correlation id; sent where a plane's contract has a header for it (Graph `client-request-id`). */
  correlationId: string;
}

/** How a plane detects that the artifact is installed (the intent's `artifact.detectionRule`). */
export type DetectionRule = DeployArtifactSpec['detectionRule'];

/** The artifact as the intent declares it; connectors send these values, never derived stand-ins. */
export type DeployArtifact = DeployArtifactSpec;

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

/** One device of a ring as frozen at assessment (issue 10). */
export interface RingMember {
  /** The plane's device id as synced (Graph managedDevice id, Jamf computer id, SCCM ResourceID, Landscape id, AWX host). */
  deviceKey: string;
  /** Directory id where the plane has one (Entra device object id); null otherwise. */
  directoryId: string | null;
  name: string;
}

/** A ring as connectors see it. */
export interface RingTarget {
  index: number;
  name: string;
  /** Legacy: the plane group named by the ring plan; used only when `members` is absent (intents without a target snapshot). */
  deviceGroup: string;
  /** Natural key of the ring's target object on the plane: `eucora-<intent>-r<N>` (`[a-z0-9-]`, ≤ 64). */
  targetKey?: string;
  /** The ring's devices (frozen at assessment); the connector materialises `targetKey` with exactly these. */
  members?: RingMember[];
}

/** Per-device state of one ring device, as a plane reports it. */
export interface DeviceState {
  deviceKey: string;
  state: 'pending' | 'succeeded' | 'failed' | 'not_applicable' | 'removed';
  errorCode?: string;
  errorMessage?: string;
  /** When the plane last changed this device's state (ISO 8601). */
  at?: string;
}

/** Natural key of a ring target (contracts Part 2): `eucora-<intent>-r<N>`, lower-case, at most 64 characters. */
export function ringTargetKey(intentId: string, ringIndex: number): string {
  return `eucora-${intentId.toLowerCase().replace(/[^a-z0-9-]/g, '')}-r${ringIndex}`.slice(0, 64);
}

/** Deploy one ring of an intent. */
export interface DeployRingRequest extends ConnectorCall {
  intentId: string;
  ring: RingTarget;
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
 * One execution plane (Intune, Jamf, SCCM, Landscape, AWX). Every method is idempotent for a given intent and ring;
 * transient failures surface as `UpstreamUnavailableError`, permanent ones as the other domain errors.
 */
export interface PlaneConnector {
  readonly plane: Plane;
  /** Plane-side counters taken just before a ring is deployed; ring status is measured against them. */
  ringBaseline(req: DeployRingRequest): Promise<RingBaseline>;
  deployRing(req: DeployRingRequest): Promise<DeployRingResult>;
  /** Counts (and, when `ring.members` is given, per-device states of exactly those devices). */
  ringStatus(
    req: ConnectorCall & { deployment: DeployRingResult; baseline: RingBaseline; ring?: RingTarget },
  ): Promise<DeviceCounts & { devices?: DeviceState[] }>;
  rollbackRing(req: ConnectorCall & { deployment: DeployRingResult; ring?: RingTarget }): Promise<void>;
}
