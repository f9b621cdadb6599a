import { DEFAULT_RINGS, type IntentSpec } from '../intents/intent.schema';
import { scoreRisk, type RiskInputs, type RiskResult } from '../risk/risk-model';
import { evaluatePolicy, type PolicyDecision, type PolicyException } from '../policy/policy';
import type { Finding } from '../evidence/findings';
import { resolveTargets, type TargetableDevice } from '../targeting/targeting';
import { computeRingMembership, type RingMembers } from '../targeting/ring-membership';

/** A ring of the resolved plan. */
export interface PlannedRing {
  index: number;
  name: string;
  deviceGroup: string;
  successThreshold: number;
  soakSeconds: number;
  /** Devices EUCORA put in this ring at assessment; absent for intents without a target snapshot (plane never synced). */
  deviceCount?: number;
  /** SHA-256 of the ring's sorted device ids (the list itself is in PostgreSQL and the evidence pack). */
  sha256?: string;
}

/**
 * Headline of the target snapshot taken at assessment. Small on purpose: it travels in workflow history, the device ids
 * never do (they are in `intent_ring_devices` and the evidence pack).
 */
export interface AssessmentTargets {
  /** `inventory`: resolved from the plane's synced inventory; `declared`: the plane was never synced, count as declared. */
  source: 'inventory' | 'declared';
  /** Targeted devices; for `declared` the intent's `targeting.deviceCount` (null when none was given). */
  count: number | null;
  sha256: string | null;
  platformSplit: Record<string, number> | null;
  otherPlatform: number;
  excluded: number;
  stale: number;
  unknownGroups: string[];
  takenAt: string;
  inventorySyncedAt: string | null;
}

/** The measured artifact: SHA-256 of the streamed bytes, and where they came from. */
export interface ArtifactCheckResult {
  verifiedSha256: string;
  check: { source: 'upload' | 'url'; sizeBytes: number; url?: string; at: string };
  /** Content-store location of the bytes; absent when they were not kept (hash mismatch, or a check from before the store). */
  stored?: { bucket: string; key: string };
}

/** The artifact as connectors receive it (their `DeployArtifact`): the declared values, never derived stand-ins. */
export interface DeployArtifactSpec {
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
  detectionRule: { type: 'file' | 'registry' | 'product_code' | 'script'; value: string };
}

/** What a ring's deploy sends to its plane; immutable for an intent, so computed once at assessment. */
export interface DeployRequest {
  plane: string;
  artifact: DeployArtifactSpec;
  /** The installer's name as uploaded (X-File-Name) or published (last segment of the source URL), if known. */
  fileName?: string;
}

/** What assessment hands back to the workflow. */
export interface Assessment {
  /** Null when no bytes were checked (no upload, no source URL). */
  artifactCheck: ArtifactCheckResult | null;
  plane: string;
  changeType: string;
  risk: RiskResult;
  policy: PolicyDecision;
  rings: PlannedRing[];
  notBefore: string | null;
  blackoutWindows: { start: string; end: string }[];
  /** Absent in assessments recorded before issue 10. */
  targets?: AssessmentTargets;
  /** Absent in assessments recorded before it was carried here; ring activities then read it from the intent. */
  deployRequest?: DeployRequest;
}

/** Devices assumed when an intent does not say how many it targets (documented in docs/risk-and-policy.md). */
export const ASSUMED_DEVICE_COUNT = 1000;

/** Outcomes of the package's recent deployments, as the risk model reads them (null: never deployed). */
export type DeploymentHistory = RiskInputs['history'];

/** A frozen target snapshot: its headline and the devices of each ring of the plan. */
export interface TargetSnapshotResult {
  targets: AssessmentTargets;
  rings: RingMembers[];
}

/**
 * Resolves the targets over the plane's synced inventory (`devices`: the plane's devices in any targeted group) and
 * computes ring membership. The caller stores `rings` and checks it stored `targets.count` devices.
 */
export function snapshotTargets(
  tenantId: string,
  spec: IntentSpec,
  devices: readonly (TargetableDevice & { groups: readonly string[] })[],
  takenAt: string,
  inventorySyncedAt: string,
): TargetSnapshotResult {
  const plan = spec.rings ?? DEFAULT_RINGS;
  const snapshot = resolveTargets(devices, {
    groups: spec.targeting.groups,
    exclusions: spec.targeting.exclusions,
    platform: spec.artifact.platform,
  });
  const groupMembers = new Map<string, Set<string>>();
  for (const g of new Set(plan.flatMap((r) => (r.group ? [r.group] : [])))) {
    groupMembers.set(g, new Set(devices.filter((d) => d.groups.includes(g)).map((d) => d.id)));
  }
  const rings = computeRingMembership({
    tenantId,
    packageName: spec.artifact.name,
    targets: snapshot.deviceIds,
    groupMembers,
    rings: plan.map((r) => ({
      name: r.name,
      ...(r.group ? { group: r.group } : {}),
      ...(r.percent !== undefined ? { percent: r.percent } : {}),
    })),
  });
  const targets: AssessmentTargets = {
    source: 'inventory',
    count: snapshot.count,
    sha256: snapshot.sha256,
    platformSplit: snapshot.platformSplit,
    otherPlatform: snapshot.otherPlatform,
    excluded: snapshot.excluded,
    stale: snapshot.stale,
    unknownGroups: snapshot.unknownGroups,
    takenAt,
    inventorySyncedAt,
  };
  return { targets, rings };
}

/** The targets of an intent whose plane was never synced: the declared count, nothing resolved. */
export function declaredTargets(spec: IntentSpec, takenAt: string): AssessmentTargets {
  return {
    source: 'declared',
    count: spec.targeting.deviceCount ?? null,
    sha256: null,
    platformSplit: null,
    otherPlatform: 0,
    excluded: 0,
    stale: 0,
    unknownGroups: [],
    takenAt,
    inventorySyncedAt: null,
  };
}

/** What the risk model reads of an intent; `snapshot` null = the plane was never synced. */
export function riskInputs(
  spec: IntentSpec,
  findings: readonly Finding[],
  snapshot: TargetSnapshotResult | null,
  history: DeploymentHistory,
  artifactCheck: ArtifactCheckResult | null,
): RiskInputs {
  return {
    privilege: spec.riskInputs.privilege,
    signature: { signed: spec.artifact.signature.signed, knownPublisher: spec.artifact.signature.knownPublisher },
    dataAccess: spec.riskInputs.dataAccess,
    // A generated SBOM only knows what was declared: with no declared components the contents are unknown.
    sbomPresent: spec.sbom !== undefined || spec.artifact.components.length > 0,
    findings,
    // Blast radius is the real target count; the declared count (or the assumption) only for a never-synced plane.
    deviceCount: snapshot ? snapshot.targets.count! : (spec.targeting.deviceCount ?? ASSUMED_DEVICE_COUNT),
    requiresReboot: spec.riskInputs.requiresReboot,
    hasScripts: spec.riskInputs.hasScripts,
    dependencies: spec.riskInputs.dependencies,
    multiStep: spec.riskInputs.multiStep,
    history,
    artifactVerified: artifactCheck !== null && artifactCheck.verifiedSha256 === spec.artifact.sha256,
  };
}

/** Where the blast radius's device count came from, appended to that factor's reason. */
export function blastRadiusNote(plane: string, spec: IntentSpec, snapshot: TargetSnapshotResult | null): string {
  return snapshot
    ? `targets resolved from the ${plane} inventory synced at ${snapshot.targets.inventorySyncedAt}`
    : `${plane} inventory never synced: ${spec.targeting.deviceCount !== undefined ? 'declared targeting.deviceCount' : 'assumed'}`;
}

/** Why an intent with a synced plane has nothing to deploy to, for the `intent.blocked` event. */
export function zeroTargetsReason(t: AssessmentTargets, spec: IntentSpec): string {
  const unknown = t.unknownGroups.length ? ` Unknown groups (no synced device): ${t.unknownGroups.join(', ')}.` : '';
  return (
    `No device matches the targeting (groups ${spec.targeting.groups.join(', ')} on ${spec.artifact.platform}` +
    `${spec.targeting.exclusions.length ? ` minus ${spec.targeting.exclusions.join(', ')}` : ''}): ` +
    `${t.otherPlatform} on another platform, ${t.excluded} excluded, ${t.stale} stale.${unknown}`
  );
}

/** The plan's rings (default `DEFAULT_RINGS`), with each ring's frozen device count and hash when a snapshot was taken. */
export function plannedRings(spec: IntentSpec, snapshot: TargetSnapshotResult | null): PlannedRing[] {
  return (spec.rings ?? DEFAULT_RINGS).map((r, index) => ({
    index,
    name: r.name,
    deviceGroup: r.group ?? r.name,
    successThreshold: r.successThreshold,
    soakSeconds: r.soakSeconds ?? 0,
    ...(snapshot ? { deviceCount: snapshot.rings[index]!.deviceIds.length, sha256: snapshot.rings[index]!.sha256 } : {}),
  }));
}

/**
 * The deploy request of an intent. `uploadedFileName` is the name the installer was uploaded under; without one a
 * source URL's last path segment is used when it is a plain file name (install commands refer to it).
 */
export function deployRequest(plane: string, spec: IntentSpec, uploadedFileName?: string | null): DeployRequest {
  const a = spec.artifact;
  const fromUrl = a.sourceUrl ? decodeURIComponent(new URL(a.sourceUrl).pathname.split('/').pop() ?? '') : '';
  const fileName = uploadedFileName ?? (/^[\w .()-]{1,255}$/.test(fromUrl) ? fromUrl : undefined);
  return {
    plane,
    ...(fileName ? { fileName } : {}),
    artifact: {
      name: a.name,
      version: a.version,
      publisher: a.publisher,
      sha256: a.sha256,
      installCommand: a.installCommand,
      uninstallCommand: a.uninstallCommand,
      platform: a.platform,
      format: a.format,
      sizeBytes: a.sizeBytes,
      detectionRule: { type: a.detectionRule.type, value: a.detectionRule.value },
    },
  };
}

/** Everything assessment reads, gathered by the caller. */
export interface AssessmentInput {
  intent: { plane: string; changeType: string; spec: IntentSpec };
  /** Normalised findings of the intent's vulnerability report. */
  findings: readonly Finding[];
  /** Null when the plane was never synced for the tenant: rings then target the plan's groups. */
  snapshot: TargetSnapshotResult | null;
  history: DeploymentHistory;
  artifactCheck: ArtifactCheckResult | null;
  /** Exceptions recorded for the package (any status; policy picks the applicable ones). */
  exceptions: readonly PolicyException[];
  /** What policy does with bytes that were never verified. */
  unverified: 'deny' | 'flag';
  /** Name of the uploaded installer, if the artifact was uploaded. */
  uploadedFileName?: string | null;
  now: string;
}

/** Risk, policy, ring plan and deploy request of an intent: the whole assessment, without I/O. */
export function assess(inp: AssessmentInput): Assessment {
  const { spec, plane } = inp.intent;
  const { snapshot, artifactCheck } = inp;
  const scored = scoreRisk(riskInputs(spec, inp.findings, snapshot, inp.history, artifactCheck));
  const blastNote = blastRadiusNote(plane, spec, snapshot);
  const risk = {
    ...scored,
    factors: scored.factors.map((f) => (f.name === 'blastRadius' ? { ...f, reason: `${f.reason} (${blastNote})` } : f)),
  };
  const evaluated = evaluatePolicy({
    riskScore: risk.score,
    changeType: spec.changeType,
    artifactHashMatches: artifactCheck ? artifactCheck.verifiedSha256 === spec.artifact.sha256 : null,
    unverifiedArtifact: inp.unverified,
    packageName: spec.artifact.name,
    findings: inp.findings,
    exceptions: inp.exceptions,
    now: inp.now,
  });
  // Nothing to deploy to is not a rollout: the intent is blocked with the reason (unknown groups named).
  const policy =
    snapshot && snapshot.targets.count === 0
      ? {
          ...evaluated,
          decision: 'deny' as const,
          approvalBeforeRing: null,
          reasons: [...evaluated.reasons, zeroTargetsReason(snapshot.targets, spec)],
        }
      : evaluated;
  return {
    artifactCheck,
    plane,
    changeType: inp.intent.changeType,
    risk,
    policy,
    rings: plannedRings(spec, snapshot),
    notBefore: spec.schedule.notBefore ?? null,
    blackoutWindows: spec.schedule.blackoutWindows,
    targets: snapshot?.targets ?? declaredTargets(spec, inp.now),
    deployRequest: deployRequest(plane, spec, inp.uploadedFileName),
  };
}

/** What the change manager sees of the targets on a CAB item (JSON; null for intents assessed before issue 10). */
export function cabTargets(a: Assessment): string | null {
  const t = a.targets;
  if (!t) return null;
  return JSON.stringify({
    source: t.source,
    count: t.count,
    sha256: t.sha256,
    platformSplit: t.platformSplit,
    otherPlatform: t.otherPlatform,
    excluded: t.excluded,
    stale: t.stale,
    unknownGroups: t.unknownGroups,
    takenAt: t.takenAt,
    inventorySyncedAt: t.inventorySyncedAt,
    rings: a.rings.map((r) => ({ index: r.index, name: r.name, count: r.deviceCount ?? null })),
  });
}

/** The risk model's history from the package's recent finished intents (newest first); null when it was never deployed. */
export function deploymentHistory(outcomes: readonly { state: string; haltedRings: number }[]): DeploymentHistory {
  if (outcomes.length === 0) return null;
  return {
    deployments: outcomes.length,
    rollbacks: outcomes.filter((o) => o.state === 'rolled_back').length,
    failedRings: outcomes.reduce((s, o) => s + o.haltedRings, 0),
  };
}
