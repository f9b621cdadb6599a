/**
 * Risk model v1 (DESIGN.md §4). Pure and integer-only: every factor is a value in permille (0..1000), each
 * contribution is weight × permille in milli-points, and the score is the rounded sum, so the same inputs give the
 * same result bit for bit on every machine. Changing a weight or a normalisation is a version bump.
 */
export const RISK_MODEL_VERSION = 'risk-v1';

/** Weights of v1; they sum to 100. */
export const RISK_WEIGHTS = Object.freeze({
  privilege: 20,
  supplyChain: 15,
  exploitability: 10,
  dataAccess: 10,
  sbomVulnerabilities: 15,
  blastRadius: 10,
  operationalComplexity: 10,
  history: 10,
});
export type RiskFactorName = keyof typeof RISK_WEIGHTS;

/** A normalised vulnerability finding as far as risk and policy need it. */
export interface RiskFinding {
  id: string;
  severity: 'critical' | 'high' | 'medium' | 'low' | 'unknown';
  /** CVSS base score 0.0–10.0, if known. */
  cvss?: number;
  knownExploited: boolean;
}

/** Everything the model reads. */
export interface RiskInputs {
  privilege: 'user' | 'admin' | 'system' | 'kernel_driver';
  signature: { signed: boolean; knownPublisher: boolean };
  dataAccess: 'none' | 'user' | 'sensitive' | 'regulated';
  /** False when no SBOM was supplied or generated. */
  sbomPresent: boolean;
  findings: readonly RiskFinding[];
  /** Devices targeted by the whole rollout. */
  deviceCount: number;
  requiresReboot: boolean;
  hasScripts: boolean;
  dependencies: number;
  multiStep: boolean;
  /** Outcomes of the last (up to) 10 deployments of this package; null when never deployed. */
  history: { deployments: number; rollbacks: number; failedRings: number } | null;
  /**
   * False when the bytes were never verified against the declared SHA-256: the supply-chain factor is then at least 0.5
   * (nothing vouches that the signature info describes these bytes). Omitted = verified (model v1 vectors).
   */
  artifactVerified?: boolean;
}

/** One factor's explanation: what it read, its value, what it added and why. */
export interface RiskFactor {
  name: RiskFactorName;
  weight: number;
  /** What the factor read, as shown to a change manager. */
  input: string;
  /** Normalised value in permille (0–1000). */
  valuePermille: number;
  /** weight × value, in milli-points (1000 = one point of the 0–100 score). */
  contributionMilli: number;
  reason: string;
}

/** The score with every factor explained. */
export interface RiskResult {
  modelVersion: typeof RISK_MODEL_VERSION;
  score: number;
  band: 'low' | 'medium' | 'high';
  /** Σ contributions in milli-points, before rounding. */
  totalMilli: number;
  factors: RiskFactor[];
}

const PRIVILEGE: Record<RiskInputs['privilege'], number> = { user: 0, admin: 600, system: 800, kernel_driver: 1000 };
const DATA_ACCESS: Record<RiskInputs['dataAccess'], number> = { none: 0, user: 400, sensitive: 700, regulated: 1000 };

/** CVSS as an integer number of tenths (9.8 → 98), clamped to 0..100. */
export function cvssTenths(cvss: number | undefined): number {
  if (cvss === undefined || !Number.isFinite(cvss)) return 0;
  return Math.max(0, Math.min(100, Math.round(cvss * 10)));
}

/**
 * floor(1000 × log10(n)) exactly, in integers: n^1000 has floor(1000·log10 n) + 1 decimal digits.
 * Avoids Math.log10, whose last bit may differ between platforms.
 */
export function log10Milli(n: number): number {
  if (!Number.isInteger(n) || n < 1) return 0;
  return (BigInt(n) ** 1000n).toString().length - 1;
}

const min1000 = (v: number) => Math.min(1000, v);

function factor(name: RiskFactorName, input: string, valuePermille: number, reason: string): RiskFactor {
  const weight = RISK_WEIGHTS[name];
  return { name, weight, input, valuePermille, contributionMilli: weight * valuePermille, reason };
}

function pct(permille: number): string {
  return `${Math.floor(permille / 10)}.${permille % 10}`;
}

/** Scores an intent's risk (0–100) with the v1 model. */
export function scoreRisk(inp: RiskInputs): RiskResult {
  const factors: RiskFactor[] = [];

  const priv = PRIVILEGE[inp.privilege];
  factors.push(factor('privilege', inp.privilege, priv, `Installs with ${inp.privilege.replace('_', ' ')} privilege`));

  const signedSc = !inp.signature.signed ? 1000 : inp.signature.knownPublisher ? 0 : 500;
  const unverified = inp.artifactVerified === false;
  const sc = unverified ? Math.max(signedSc, 500) : signedSc;
  const known = inp.signature.knownPublisher;
  const signedInput = !inp.signature.signed ? 'unsigned' : known ? 'signed, known publisher' : 'signed, unknown publisher';
  const scInput = `${signedInput}${unverified ? ', bytes unverified' : ''}`;
  const scReason =
    signedSc === 0
      ? 'Signed by a known publisher'
      : signedSc === 500
        ? 'Signed, but the publisher is not on the known list'
        : 'Artifact is not signed';
  factors.push(
    factor('supplyChain', scInput, sc, unverified ? `${scReason}; its bytes were never verified against the declared SHA-256` : scReason),
  );

  const kev = inp.findings.filter((f) => f.knownExploited);
  const maxCvss = inp.findings.reduce((m, f) => Math.max(m, cvssTenths(f.cvss)), 0);
  const expl = kev.length > 0 ? 1000 : maxCvss * 10;
  factors.push(
    factor(
      'exploitability',
      kev.length > 0 ? `known exploited: ${kev.map((f) => f.id).join(', ')}` : `max CVSS ${maxCvss / 10}`,
      expl,
      kev.length > 0
        ? `${kev.length} finding(s) are known to be exploited`
        : inp.findings.length
          ? `Highest CVSS is ${maxCvss / 10}`
          : 'No findings',
    ),
  );

  const da = DATA_ACCESS[inp.dataAccess];
  factors.push(factor('dataAccess', inp.dataAccess, da, `Reaches ${inp.dataAccess === 'none' ? 'no' : inp.dataAccess} data`));

  const count = (s: RiskFinding['severity']) => inp.findings.filter((f) => f.severity === s).length;
  const [c, h, m, l] = [count('critical'), count('high'), count('medium'), count('low')];
  const sbom = !inp.sbomPresent ? 1000 : min1000(500 * c + 250 * h + 50 * m + 10 * l);
  factors.push(
    factor(
      'sbomVulnerabilities',
      inp.sbomPresent ? `critical ${c}, high ${h}, medium ${m}, low ${l}` : 'no SBOM',
      sbom,
      inp.sbomPresent ? `Vulnerability load from the SBOM findings (${pct(sbom)}%)` : 'No SBOM: contents unknown, scored as worst case',
    ),
  );

  const devices = Math.max(0, Math.floor(inp.deviceCount));
  const blast = min1000(Math.floor(log10Milli(devices) / 5));
  factors.push(factor('blastRadius', `${devices} devices`, blast, `log10(${devices})/5, capped at 1`));

  const deps = Math.max(0, Math.floor(inp.dependencies));
  const cx = min1000((inp.requiresReboot ? 300 : 0) + (inp.hasScripts ? 300 : 0) + Math.min(200, 100 * deps) + (inp.multiStep ? 200 : 0));
  const cxParts = [
    inp.requiresReboot && 'reboot',
    inp.hasScripts && 'scripts',
    deps > 0 && `${deps} dependenc${deps === 1 ? 'y' : 'ies'}`,
    inp.multiStep && 'multi-step',
  ].filter(Boolean);
  factors.push(
    factor(
      'operationalComplexity',
      cxParts.length ? cxParts.join(', ') : 'simple install',
      cx,
      cxParts.length ? `Operational steps: ${cxParts.join(', ')}` : 'Single silent install',
    ),
  );

  const hist = inp.history;
  const hv = !hist || hist.deployments === 0 ? 500 : min1000(250 * hist.rollbacks + 100 * hist.failedRings);
  factors.push(
    factor(
      'history',
      !hist || hist.deployments === 0
        ? 'never deployed'
        : `${hist.deployments} deployments, ${hist.rollbacks} rollbacks, ${hist.failedRings} failed rings`,
      hv,
      !hist || hist.deployments === 0
        ? 'No deployment history for this package'
        : `Track record of the last ${hist.deployments} deployment(s)`,
    ),
  );

  const totalMilli = factors.reduce((s, f) => s + f.contributionMilli, 0);
  // Round half up in integers, then clamp.
  const score = Math.max(0, Math.min(100, Math.floor((totalMilli + 500) / 1000)));
  return { modelVersion: RISK_MODEL_VERSION, score, band: riskBand(score), totalMilli, factors };
}

/** ≤ 50 low, 51–75 medium, > 75 high: the policy thresholds. */
export function riskBand(score: number): RiskResult['band'] {
  return score <= 50 ? 'low' : score <= 75 ? 'medium' : 'high';
}
