import { canonicalJson, sha256Hex } from '../events/canonical-json';
import type { PolicyDecision } from '../policy/policy';
import type { RiskFinding, RiskResult } from '../risk/risk-model';

/** Layout version of the evidence pack; bump on any change of its fields. */
export const EVIDENCE_PACK_SCHEMA_VERSION = 1;

/** One ring's measured result, as test evidence. */
export interface RingEvidence {
  index: number;
  name: string;
  outcome: 'promoted' | 'skipped' | 'halted' | 'rolled_back';
  counts: { targeted: number; succeeded: number; failed: number; pending: number; notApplicable: number };
  successPercent: number;
  threshold: number;
  at: string;
}

/** One ring's devices as frozen at assessment: sorted ids and their SHA-256 (`deviceListSha256`). */
export interface RingTargetsEvidence {
  index: number;
  name: string;
  count: number;
  sha256: string;
  deviceIds: string[];
}

/**
 * The target snapshot (issue 10): resolved once at assessment from the synced inventory of the intent's plane, or, when the
 * plane was never synced, only the declared count (no device list). Optional so packs written before it still verify.
 */
export type TargetsEvidence =
  | {
      source: 'inventory';
      plane: string;
      groups: string[];
      exclusions: string[];
      platform: string;
      /** When the snapshot was taken (the assessment's workflow time) and when a sync last wrote the plane's inventory. */
      takenAt: string;
      inventorySyncedAt: string;
      count: number;
      sha256: string;
      deviceIds: string[];
      platformSplit: Record<string, number>;
      otherPlatform: number;
      excluded: number;
      stale: number;
      unknownGroups: string[];
      rings: RingTargetsEvidence[];
    }
  | { source: 'declared'; plane: string; takenAt: string; inventorySyncedAt: null; declaredDeviceCount: number | null; reason: string };

/** A CAB decision as recorded in the pack. */
export interface ApprovalEvidence {
  actor: string;
  decision: 'approve' | 'reject';
  evidenceHash: string;
  at: string;
  comment?: string;
}

/** Everything a pack holds (DESIGN.md §4). `createdAt` comes from the workflow, never from the wall clock. */
export interface EvidencePackInput {
  tenantId: string;
  intentId: string;
  version: number;
  previousPackHash: string | null;
  createdAt: string;
  intent: Record<string, unknown>;
  artifact: {
    name: string;
    version: string;
    declaredSha256: string;
    /** SHA-256 measured by streaming the bytes (upload or allow-listed URL); null when no bytes were checked. */
    verifiedSha256: string | null;
    check: { source: 'upload' | 'url'; sizeBytes: number; url?: string; at: string } | null;
    signature: Record<string, unknown>;
    /** Where the verified bytes are kept (content store); null when none were stored. Absent in packs before issue 9. */
    stored?: { bucket: string; key: string; sizeBytes: number } | null;
    /** Where the bytes went, per deployed ring: the plane-side object ids (e.g. Intune app, content version and file). */
    deliveries?: { ring: number; plane: string; objectIds: Record<string, string> }[];
  };
  sbom: { present: boolean; source: 'supplied' | 'generated'; specVersion: string; sha256: string; document: Record<string, unknown> };
  findings: RiskFinding[];
  risk: RiskResult;
  policy: PolicyDecision;
  installation: { install: string; uninstall: string; detection: Record<string, unknown> };
  rolloutPlan: Record<string, unknown>[];
  rollbackPlan: Record<string, unknown>;
  testEvidence: RingEvidence[];
  exceptions: Record<string, unknown>[];
  approvals: ApprovalEvidence[];
  /** Target snapshot and per-ring device lists; absent in packs before issue 10. */
  targets?: TargetsEvidence;
}

/** A built pack: canonical bytes and their SHA-256 (the pack's content address). */
export interface BuiltEvidencePack {
  bytes: Buffer;
  sha256: string;
}

/** Builds the canonical bytes of a pack: same input → same bytes → same hash. */
export function buildEvidencePack(input: EvidencePackInput): BuiltEvidencePack {
  const doc = { schemaVersion: EVIDENCE_PACK_SCHEMA_VERSION, kind: 'eucora.evidence-pack', ...input };
  const bytes = Buffer.from(canonicalJson(doc), 'utf8');
  return { bytes, sha256: sha256Hex(bytes) };
}

/** Object key of a pack: `tenant/intent/sha256.json`. */
export function evidenceObjectKey(tenantId: string, intentId: string, sha256: string): string {
  return `${tenantId}/${intentId}/${sha256}.json`;
}

/** Object key of a pack's signed manifest. */
export function manifestObjectKey(tenantId: string, intentId: string, sha256: string): string {
  return `${tenantId}/${intentId}/${sha256}.manifest.json`;
}
