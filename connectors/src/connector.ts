import type { Plane, RingCounts } from '@eucora/core';

/** Per-device counts a plane reports for one ring. */
export type DeviceCounts = RingCounts;

/** Common to every connector call: idempotency key (derived from workflow id + ring + step) and correlation id. */
export interface ConnectorCall {
  tenantId: string;
  idempotencyKey: string;
  correlationId: string;
}

/** Deploy one ring of an intent. */
export interface DeployRingRequest extends ConnectorCall {
  intentId: string;
  ring: { index: number; name: string; deviceGroup: string };
  artifact: { name: string; version: string; publisher: string; sha256: string; installCommand: string; uninstallCommand: string };
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
