// Matching installed npm versions against OSV advisory ranges (GitHub Advisory Database format), without dependencies:
// a SemVer 2.0.0 precedence comparator and the OSV event evaluation (introduced / fixed / last_affected).
// Used by scripts/security-gates.mjs (the offline advisory gate) and scripts/advisory-snapshot.mjs.

const SEMVER = /^v?(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?(?:\+[0-9A-Za-z.-]+)?$/;

/** Parses a SemVer 2.0.0 version ("1.2.3", "1.2.3-rc.1+build"); returns null when it is not one. Build metadata is ignored. */
export function parseVersion(v) {
  const m = SEMVER.exec(String(v).trim());
  if (!m) return null;
  const pre = m[4] ? m[4].split('.').map((id) => (/^\d+$/.test(id) ? Number(id) : id)) : [];
  return { major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3]), pre };
}

/** SemVer precedence: -1, 0 or 1. A pre-release sorts before its release (1.0.0-rc.1 < 1.0.0); throws on a non-version. */
export function compareVersions(a, b) {
  const x = typeof a === 'string' ? parseVersion(a) : a;
  const y = typeof b === 'string' ? parseVersion(b) : b;
  if (!x || !y) throw new Error(`not a semantic version: ${!x ? a : b}`);
  for (const k of ['major', 'minor', 'patch']) if (x[k] !== y[k]) return x[k] < y[k] ? -1 : 1;
  if (!x.pre.length || !y.pre.length) return x.pre.length === y.pre.length ? 0 : x.pre.length ? -1 : 1;
  for (let i = 0; i < Math.max(x.pre.length, y.pre.length); i++) {
    if (i >= x.pre.length) return -1;
    if (i >= y.pre.length) return 1;
    const p = x.pre[i];
    const q = y.pre[i];
    if (p === q) continue;
    // Numeric identifiers sort before alphanumeric ones and compare as numbers; the rest compare in ASCII order.
    if (typeof p === 'number' && typeof q === 'number') return p < q ? -1 : 1;
    if (typeof p === 'number') return -1;
    if (typeof q === 'number') return 1;
    return p < q ? -1 : 1;
  }
  return 0;
}

// "0" in an `introduced` event means "from the very first version", pre-releases of 0.0.0 included.
const isZero = (v) => v === '0' || v === '0.0.0';
const eventKind = (e) => ['introduced', 'fixed', 'last_affected', 'limit'].find((k) => typeof e[k] === 'string');

/**
 * OSV evaluation of one range's events (https://ossf.github.io/osv-schema/#evaluation): walk the events in version order;
 * `introduced` ≤ v turns affected on, `fixed` ≤ v or `last_affected` < v turns it off. Throws when a version cannot be parsed.
 */
export function inRange(version, events) {
  const v = parseVersion(version);
  if (!v) throw new Error(`not a semantic version: ${version}`);
  const list = events
    .map((e) => ({ kind: eventKind(e), at: e[eventKind(e)] }))
    .filter((e) => e.kind && e.kind !== 'limit')
    .sort((a, b) => {
      if (isZero(a.at) && a.kind === 'introduced') return -1;
      if (isZero(b.at) && b.kind === 'introduced') return 1;
      return compareVersions(a.at, b.at);
    });
  let affected = false;
  for (const e of list) {
    if (e.kind === 'introduced') {
      if (isZero(e.at) || compareVersions(v, e.at) >= 0) affected = true;
    } else if (e.kind === 'fixed') {
      if (compareVersions(v, e.at) >= 0) affected = false;
    } else if (compareVersions(v, e.at) > 0) {
      affected = false;
    }
  }
  return affected;
}

/** True when `version` is affected by a snapshot advisory: any SEMVER/ECOSYSTEM range, or the explicit `versions` list. */
export function isAffected(version, advisory) {
  if ((advisory.versions ?? []).includes(version)) return true;
  return (advisory.ranges ?? []).some((r) => (r.type === 'SEMVER' || r.type === 'ECOSYSTEM') && inRange(version, r.events ?? []));
}
