import { canonicalJson, sha256Hex } from '../events/canonical-json';
import type { IntentSpec } from '../intents/intent.schema';
import type { ApprovalEvidence, EvidencePackInput, RingEvidence, TargetsEvidence } from '../evidence/evidence-pack';
import { generateSbom } from '../evidence/sbom';
import type { Finding } from '../evidence/findings';
import { deviceListSha256 } from '../targeting/targeting';
import type { Assessment } from './assessment';

/** Where a deployed ring's bytes went: the plane-side object ids (for Intune: app, content version and content file). */
export interface RingDelivery {
  ring: number;
  plane: string;
  objectIds: Record<string, string>;
}

/** Parts of a pack the workflow contributes (the rest is read from the database). */
export interface EvidenceRequest {
  tenantId: string;
  intentId: string;
  version: number;
  previousPackHash: string | null;
  createdAt: string;
  testEvidence: RingEvidence[];
  approvals: ApprovalEvidence[];
  assessment: Assessment;
  /** One per ring deployed so far, in ring order; absent in requests recorded before the workflow carried them (= none). */
  deliveries?: RingDelivery[];
}

/** The SBOM as evidence: the supplied document, or one generated from the declared components; hashed either way. */
export function sbomEvidence(spec: IntentSpec): EvidencePackInput['sbom'] {
  if (spec.sbom) {
    return {
      present: true,
      source: 'supplied',
      specVersion: String(spec.sbom.specVersion),
      sha256: sha256Hex(canonicalJson(spec.sbom)),
      document: spec.sbom,
    };
  }
  const json = generateSbom(spec.artifact, spec.artifact.components);
  return {
    present: spec.artifact.components.length > 0,
    source: 'generated',
    specVersion: '1.6',
    sha256: sha256Hex(json),
    document: JSON.parse(json) as Record<string, unknown>,
  };
}

/** A stored ring member, as the targets evidence needs it. */
export interface RingMemberRow {
  ringIndex: number;
  deviceKey: string;
}

/**
 * The `targets` section of a pack: the frozen snapshot with every device id, per ring (`members`: every stored ring
 * member of the intent). Throws when the members do not hash to what assessment froze.
 */
export function targetsEvidence(assessment: Assessment, spec: IntentSpec, members: readonly RingMemberRow[]): TargetsEvidence | undefined {
  const t = assessment.targets;
  if (!t) return undefined;
  if (t.source === 'declared') {
    return {
      source: 'declared',
      plane: assessment.plane,
      takenAt: t.takenAt,
      inventorySyncedAt: null,
      declaredDeviceCount: t.count,
      reason: "the plane inventory was never synced for the tenant; rings target the plan's groups on the plane",
    };
  }
  const byCodePoint = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  const rings = assessment.rings.map((r) => {
    const deviceIds = members
      .filter((m) => m.ringIndex === r.index)
      .map((m) => m.deviceKey)
      .sort(byCodePoint);
    return { index: r.index, name: r.name, count: deviceIds.length, sha256: deviceListSha256(deviceIds), deviceIds };
  });
  const deviceIds = members.map((m) => m.deviceKey).sort(byCodePoint);
  const sha256 = deviceListSha256(deviceIds);
  // The pack must say exactly what assessment froze; a changed table would be a tampered snapshot, not evidence.
  if (sha256 !== t.sha256) throw new Error(`stored ring membership (${sha256}) differs from the assessed snapshot (${t.sha256})`);
  return {
    source: 'inventory',
    plane: assessment.plane,
    groups: [...spec.targeting.groups],
    exclusions: [...spec.targeting.exclusions],
    platform: spec.artifact.platform,
    takenAt: t.takenAt,
    inventorySyncedAt: t.inventorySyncedAt!,
    count: deviceIds.length,
    sha256,
    deviceIds,
    platformSplit: t.platformSplit ?? {},
    otherPlatform: t.otherPlatform,
    excluded: t.excluded,
    stale: t.stale,
    unknownGroups: t.unknownGroups,
    rings,
  };
}

/** An exception as the pack needs it (the persistence row's fields). */
export interface ExceptionRecord {
  id: string;
  packageName: string;
  findingIds: string[];
  compensatingControls: string;
  justification: string;
  expiresAt: string;
  status: string;
  requestedBy: string;
  decidedBy: string | null;
  decidedAt: string | null;
}

/** An applied exception as recorded in packs: its table columns, times as ISO-8601 (the layout packs have always had). */
export function exceptionEvidence(e: ExceptionRecord): Record<string, unknown> {
  return {
    id: e.id,
    package_name: e.packageName,
    finding_ids: e.findingIds,
    compensating_controls: e.compensatingControls,
    justification: e.justification,
    expires_at: e.expiresAt,
    status: e.status,
    requested_by: e.requestedBy,
    decided_by: e.decidedBy,
    decided_at: e.decidedAt,
  };
}

/** What a pack reads besides the workflow's request. */
export interface EvidenceSources {
  intent: { id: string; submittedBy: string; correlationId: string; spec: IntentSpec };
  findings: Finding[];
  /** The package's exceptions; only those the policy applied go into the pack. */
  exceptions: readonly ExceptionRecord[];
  targets: TargetsEvidence | undefined;
}

/** The input of `buildEvidencePack` for a request: same request and sources, same pack. */
export function evidencePackInput(req: EvidenceRequest, src: EvidenceSources): EvidencePackInput {
  const { spec } = src.intent;
  const applied = new Set(req.assessment.policy.exceptionsApplied);
  const { sbom: _sbom, vulnerabilityReport: _vr, ...snapshot } = spec;
  const check = req.assessment.artifactCheck;
  return {
    tenantId: req.tenantId,
    intentId: req.intentId,
    version: req.version,
    previousPackHash: req.previousPackHash,
    createdAt: req.createdAt,
    intent: { ...snapshot, id: src.intent.id, submittedBy: src.intent.submittedBy, correlationId: src.intent.correlationId },
    artifact: {
      name: spec.artifact.name,
      version: spec.artifact.version,
      declaredSha256: spec.artifact.sha256,
      verifiedSha256: check?.verifiedSha256 ?? null,
      check: check?.check ?? null,
      signature: { ...spec.artifact.signature },
      stored: check?.stored ? { ...check.stored, sizeBytes: check.check.sizeBytes } : null,
      deliveries: (req.deliveries ?? []).map((d) => ({ ring: d.ring, plane: d.plane, objectIds: { ...d.objectIds } })),
    },
    sbom: sbomEvidence(spec),
    findings: src.findings,
    risk: req.assessment.risk,
    policy: req.assessment.policy,
    installation: {
      install: spec.artifact.installCommand,
      uninstall: spec.artifact.uninstallCommand,
      detection: { ...spec.artifact.detectionRule },
    },
    rolloutPlan: req.assessment.rings.map((r) => ({ ...r })),
    rollbackPlan: { ...spec.rollbackPlan },
    testEvidence: req.testEvidence,
    exceptions: src.exceptions.filter((e) => applied.has(e.id)).map(exceptionEvidence),
    approvals: req.approvals,
    ...(src.targets ? { targets: src.targets } : {}),
  };
}
