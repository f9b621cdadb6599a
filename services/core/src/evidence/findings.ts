import type { RiskFinding } from '../risk/risk-model';

/** A normalised vulnerability finding (Trivy, Grype and CycloneDX VEX map onto this). */
export interface Finding extends RiskFinding {
  packageName: string;
  installedVersion: string | null;
  fixedVersion: string | null;
  source: 'trivy' | 'grype' | 'cyclonedx-vex';
}

type Json = Record<string, unknown>;
const obj = (v: unknown): Json => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : {});
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const str = (v: unknown): string | null => (typeof v === 'string' && v ? v : null);

function severity(s: unknown): Finding['severity'] {
  const v = String(s ?? '').toLowerCase();
  return v === 'critical' || v === 'high' || v === 'medium' || v === 'low' ? v : 'unknown';
}

function maxScore(scores: unknown[]): number | undefined {
  const nums = scores.filter((n): n is number => typeof n === 'number' && Number.isFinite(n));
  return nums.length ? Math.max(...nums) : undefined;
}

/** Trivy JSON (`trivy … --format json`): Results[].Vulnerabilities[]. */
function fromTrivy(doc: Json): Finding[] {
  return arr(doc.Results).flatMap((r) =>
    arr(obj(r).Vulnerabilities).map((raw) => {
      const v = obj(raw);
      const cvss = maxScore(Object.values(obj(v.CVSS)).flatMap((c) => [obj(c).V3Score, obj(c).V2Score]));
      return {
        id: String(v.VulnerabilityID),
        severity: severity(v.Severity),
        cvss,
        knownExploited: false,
        packageName: String(v.PkgName ?? ''),
        installedVersion: str(v.InstalledVersion),
        fixedVersion: str(v.FixedVersion),
        source: 'trivy' as const,
      };
    }),
  );
}

/** Grype JSON (`grype -o json`): matches[].vulnerability + artifact. */
function fromGrype(doc: Json): Finding[] {
  return arr(doc.matches).map((raw) => {
    const m = obj(raw);
    const v = obj(m.vulnerability);
    const a = obj(m.artifact);
    const cvss = maxScore(arr(v.cvss).map((c) => obj(obj(c).metrics).baseScore));
    const kev = arr(v.knownExploited).length > 0;
    return {
      id: String(v.id),
      severity: severity(v.severity),
      cvss,
      knownExploited: kev,
      packageName: String(a.name ?? ''),
      installedVersion: str(a.version),
      fixedVersion: str(arr(obj(v.fix).versions)[0]),
      source: 'grype' as const,
    };
  });
}

/** CycloneDX VEX: vulnerabilities[]; entries analysed as not affected or resolved are dropped. */
function fromCycloneDx(doc: Json): Finding[] {
  return arr(doc.vulnerabilities)
    .map(obj)
    .filter((v) => !['not_affected', 'resolved', 'false_positive'].includes(String(obj(v.analysis).state ?? '')))
    .map((v) => {
      const ratings = arr(v.ratings).map(obj);
      const order = ['unknown', 'low', 'medium', 'high', 'critical'];
      const sev = ratings.map((r) => severity(r.severity)).sort((x, y) => order.indexOf(y) - order.indexOf(x))[0] ?? 'unknown';
      return {
        id: String(v.id),
        severity: sev,
        cvss: maxScore(ratings.map((r) => r.score)),
        knownExploited: false,
        packageName: String(obj(arr(v.affects)[0]).ref ?? ''),
        installedVersion: null,
        fixedVersion: null,
        source: 'cyclonedx-vex' as const,
      };
    });
}

/** Normalises a Trivy, Grype or CycloneDX VEX report; an unrecognised document yields null. */
export function normaliseFindings(report: Record<string, unknown> | undefined): Finding[] | null {
  if (!report) return [];
  if (Array.isArray(report.Results) || report.SchemaVersion !== undefined) return fromTrivy(report);
  if (Array.isArray(report.matches)) return fromGrype(report);
  if (report.bomFormat === 'CycloneDX' || Array.isArray(report.vulnerabilities)) return fromCycloneDx(report);
  return null;
}
