import type { ChangeType } from '../intents/intent.schema';
import type { RiskFinding } from '../risk/risk-model';

/** Policy v1 (DESIGN.md §4). Pure; its decision is recorded as evidence. */
export const POLICY_VERSION = 'policy-v1';

/** An exception as the policy sees it. Only approved, unexpired exceptions whose scope matches count. */
export interface PolicyException {
  id: string;
  status: 'pending' | 'approved' | 'rejected';
  /** ISO-8601 expiry. */
  expiresAt: string;
  findingIds: readonly string[];
  /** Package (artifact name) the exception is limited to. */
  packageName: string;
}

export interface PolicyInputs {
  riskScore: number;
  changeType: ChangeType;
  /** null when the artifact was not checked (no bytes supplied): not a mismatch. */
  artifactHashMatches: boolean | null;
  /**
   * What an unchecked artifact (`artifactHashMatches: null`) means: `deny` (production default, ARTIFACT_UNVERIFIED) or
   * `flag` (allowed; risk scores it as unverified). Default `flag`.
   */
  unverifiedArtifact?: 'deny' | 'flag';
  packageName: string;
  findings: readonly RiskFinding[];
  exceptions: readonly PolicyException[];
  /** Evaluation time (from the workflow, not the wall clock), ISO-8601. */
  now: string;
}

/** What the policy decided, with reasons. */
export interface PolicyDecision {
  policyVersion: typeof POLICY_VERSION;
  decision: 'allow' | 'require_approval' | 'deny';
  reasons: string[];
  /** Index of the first ring that may not start before CAB approval; null when none is needed. */
  approvalBeforeRing: number | null;
  /** Approvals needed (distinct change managers). */
  quorum: number;
  /** Emergency changes get a post-implementation review item. */
  postImplementationReview: boolean;
  /** Exceptions that covered Critical/High findings. */
  exceptionsApplied: string[];
  /** Critical/High findings no exception covers. */
  uncoveredFindings: string[];
}

/** True when the exception is approved, unexpired at `now`, for this package and names the finding. */
export function exceptionCovers(ex: PolicyException, findingId: string, packageName: string, now: string): boolean {
  return (
    ex.status === 'approved' &&
    Date.parse(ex.expiresAt) > Date.parse(now) &&
    ex.packageName.toLowerCase() === packageName.toLowerCase() &&
    ex.findingIds.includes(findingId)
  );
}

/** Evaluates policy v1. */
export function evaluatePolicy(inp: PolicyInputs): PolicyDecision {
  const reasons: string[] = [];
  const serious = inp.findings.filter((f) => f.severity === 'critical' || f.severity === 'high');
  const applied = new Set<string>();
  const uncovered: string[] = [];
  for (const f of serious) {
    const ex = inp.exceptions.find((e) => exceptionCovers(e, f.id, inp.packageName, inp.now));
    if (ex) applied.add(ex.id);
    else uncovered.push(f.id);
  }
  const base = {
    policyVersion: POLICY_VERSION,
    exceptionsApplied: [...applied].sort(),
    uncoveredFindings: uncovered,
    postImplementationReview: false,
  } as const;

  const denyReasons: string[] = [];
  if (inp.artifactHashMatches === false) denyReasons.push('Artifact SHA-256 does not match the declared hash');
  if (inp.artifactHashMatches === null && inp.unverifiedArtifact === 'deny') {
    denyReasons.push('Artifact bytes were never verified against the declared SHA-256 (upload them or give a source URL)');
  }
  if (uncovered.length > 0) denyReasons.push(`Critical/High findings without an approved, unexpired exception: ${uncovered.join(', ')}`);
  if (denyReasons.length > 0) return { ...base, decision: 'deny', reasons: denyReasons, approvalBeforeRing: null, quorum: 0 };

  if (applied.size > 0) reasons.push(`Critical/High findings covered by exception(s) ${[...applied].sort().join(', ')}`);

  if (inp.changeType === 'emergency') {
    const quorum = inp.riskScore > 75 ? 2 : 1;
    reasons.push(
      `Emergency change: ${quorum === 2 ? 'two emergency-CAB approvals' : 'one emergency-CAB approval'} before any ring, ` +
        'then a post-implementation review',
    );
    return { ...base, decision: 'require_approval', reasons, approvalBeforeRing: 0, quorum, postImplementationReview: true };
  }
  if (inp.riskScore > 75) {
    reasons.push(`Risk ${inp.riskScore} > 75: CAB approval by two change managers before anything past ring 0`);
    return { ...base, decision: 'require_approval', reasons, approvalBeforeRing: 1, quorum: 2 };
  }
  if (inp.riskScore > 50) {
    reasons.push(`Risk ${inp.riskScore} > 50: rings 0–1 may run; ring 2 and later wait for CAB approval`);
    return { ...base, decision: 'require_approval', reasons, approvalBeforeRing: 2, quorum: 1 };
  }
  reasons.push(`Risk ${inp.riskScore} ≤ 50: standard path, no CAB approval needed (CAB informed)`);
  return { ...base, decision: 'allow', reasons, approvalBeforeRing: null, quorum: 0 };
}
