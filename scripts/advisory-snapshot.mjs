#!/usr/bin/env node
// Regenerates .ci/advisory-snapshot.json, the offline advisory data of the dependency gate (docs/security.md, "Release gates"):
//   node scripts/advisory-snapshot.mjs <advisory-database checkout or bare git dir> [--lock package-lock.json] [--out file]
// It keeps only reviewed npm advisories (advisories/github-reviewed/**.json, OSV format) of severity CRITICAL or HIGH
// (MODERATE too, flagged `gate: false`) that name a package present in the lock file — at any version, so the snapshot stays
// useful when versions move — and records the source commit, the date and the package names it covered. No code of the
// advisory repository is used or kept: only this derived data, under the database's CC-BY 4.0 licence (attribution below).
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { compareVersions, parseVersion } from './lib/advisory-match.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const PREFIX = 'advisories/github-reviewed/';
const KEEP = new Set(['CRITICAL', 'HIGH', 'MODERATE']);
const GATED = new Set(['CRITICAL', 'HIGH']);

/** Attribution required by the GitHub Advisory Database's licence (CC-BY 4.0); copied into every snapshot. */
export const ATTRIBUTION =
  'Advisory data derived from the GitHub Advisory Database (https://github.com/github/advisory-database), ' +
  '© GitHub, Inc. and contributors, licensed under CC-BY 4.0 (https://creativecommons.org/licenses/by/4.0/). ' +
  'Changes: filtered to reviewed npm advisories of the packages in package-lock.json and reduced to id, aliases, package, ' +
  'severity, ranges and withdrawn.';

/** Package names present in a package-lock.json (lockfileVersion 2/3 `packages`); aliases count under their real name. */
export function lockPackageNames(lock) {
  const names = new Set();
  for (const [p, e] of Object.entries(lock.packages ?? {})) {
    if (!p.includes('node_modules/') || e.link) continue;
    names.add(e.name ?? p.slice(p.lastIndexOf('node_modules/') + 'node_modules/'.length));
  }
  return names;
}

/**
 * Some reviewed advisories list several versions in one event ("fixed": "7.2.4, 6.11.4"). The range cannot then be told
 * exactly, so it is widened, failing closed: the lowest `introduced`, the highest `fixed`/`last_affected`. Values that still
 * are not versions are kept as they are, and the gate fails closed on them.
 */
export function normalizeEvents(events) {
  const notes = [];
  const out = events.map((e) => {
    const kind = Object.keys(e).find((k) => typeof e[k] === 'string');
    const v = e[kind];
    if (!kind || v === '0' || parseVersion(v)) return e;
    const parts = v.split(/[,\s]+/).filter((x) => parseVersion(x));
    if (!parts.length) return e;
    parts.sort(compareVersions);
    const pick = kind === 'introduced' ? parts[0] : parts[parts.length - 1];
    notes.push(`${kind} "${v}" read as ${pick}`);
    return { [kind]: pick };
  });
  return { events: out, notes };
}

/** Reduces one OSV advisory to the snapshot's records (one per affected npm package in `names`); [] when it does not apply. */
export function extract(osv, names) {
  const severity = String(osv.database_specific?.severity ?? '').toUpperCase();
  if (!KEEP.has(severity)) return [];
  const out = [];
  for (const a of osv.affected ?? []) {
    if (a.package?.ecosystem !== 'npm' || !names.has(a.package.name)) continue;
    const ranges = (a.ranges ?? [])
      .filter((r) => r.type === 'SEMVER' || r.type === 'ECOSYSTEM')
      .map((r) => ({ type: r.type, ...normalizeEvents(r.events ?? []) }))
      .map(({ notes, ...r }) => (notes.length ? { ...r, normalized: notes.join('; ') } : r));
    const versions = (a.versions ?? []).filter((v) => parseVersion(v));
    // An entry with neither a range nor a version list would match nothing; keep it visible as "every version".
    if (!ranges.length && !versions.length) ranges.push({ type: 'SEMVER', events: [{ introduced: '0' }] });
    const rec = { id: osv.id, aliases: osv.aliases ?? [], package: a.package.name, severity, ranges };
    if (versions.length) rec.versions = versions;
    if (!GATED.has(severity)) rec.gate = false;
    if (osv.withdrawn) rec.withdrawn = osv.withdrawn;
    if (osv.modified) rec.modified = osv.modified;
    if (osv.summary) rec.summary = String(osv.summary).slice(0, 200);
    out.push(rec);
  }
  return out;
}

// Reads every github-reviewed JSON file of a checkout (a directory holding advisories/) or of a bare git dir (HEAD).
function* advisoryFiles(source) {
  const git = (args, input) => spawnSync('git', [`--git-dir=${source}`, ...args], { encoding: 'utf8', input, maxBuffer: 1 << 30 });
  const isGitDir =
    spawnSync('git', [`--git-dir=${source}`, 'rev-parse', '--verify', 'HEAD'], { encoding: 'utf8' }).status === 0 &&
    !statSafe(path.join(source, 'advisories'));
  if (isGitDir) {
    const ls = git(['ls-tree', '-r', 'HEAD', PREFIX]);
    if (ls.status !== 0) throw new Error(`git ls-tree failed: ${ls.stderr}`);
    const blobs = ls.stdout
      .split('\n')
      .filter((l) => l.endsWith('.json'))
      .map((l) => l.split(/\s+/)[2]);
    const input = `${blobs.join('\n')}\n`;
    const batch = spawnSync('git', [`--git-dir=${source}`, 'cat-file', '--batch'], { input, maxBuffer: 2 ** 31 - 1 });
    if (batch.status !== 0) throw new Error(`git cat-file failed: ${batch.stderr}`);
    const buf = batch.stdout;
    let at = 0;
    while (at < buf.length) {
      const nl = buf.indexOf(10, at);
      const size = Number(buf.subarray(at, nl).toString().split(' ')[2]);
      yield buf.subarray(nl + 1, nl + 1 + size).toString('utf8');
      at = nl + 1 + size + 1;
    }
    return;
  }
  const stack = [path.join(source, PREFIX)];
  if (!statSafe(stack[0])) throw new Error(`${source}: neither a git dir nor a checkout with ${PREFIX}`);
  while (stack.length) {
    const dir = stack.pop();
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) stack.push(full);
      else if (entry.name.endsWith('.json')) yield readFileSync(full, 'utf8');
    }
  }
}

function statSafe(p) {
  try {
    return statSync(p);
  } catch {
    return null;
  }
}

function sourceCommit(source) {
  for (const args of [[`--git-dir=${source}`], ['-C', source]]) {
    const r = spawnSync('git', [...args, 'rev-parse', 'HEAD'], { encoding: 'utf8' });
    if (r.status === 0) return r.stdout.trim();
  }
  return null;
}

/** Builds the snapshot object from an advisory-database source and a lock file; `coverage` describes an incomplete source. */
export function buildSnapshot(source, lock, { now = new Date(), coverage } = {}) {
  const names = lockPackageNames(lock);
  const advisories = [];
  let scanned = 0;
  for (const text of advisoryFiles(source)) {
    scanned++;
    if (!text.includes('"npm"')) continue; // most files are other ecosystems: skip the parse
    // One record per advisory and package: an advisory lists a package once per fixed branch (qs has nine).
    for (const rec of extract(JSON.parse(text), names)) {
      const same = advisories.find((a) => a.id === rec.id && a.package === rec.package);
      if (!same) advisories.push(rec);
      else {
        same.ranges.push(...rec.ranges);
        if (rec.versions) same.versions = [...(same.versions ?? []), ...rec.versions];
      }
    }
  }
  advisories.sort((a, b) => a.package.localeCompare(b.package) || a.id.localeCompare(b.id));
  return {
    $comment: 'Generated by scripts/advisory-snapshot.mjs; do not edit by hand. See docs/security.md, "Release gates".',
    source: 'https://github.com/github/advisory-database',
    sourceCommit: sourceCommit(source),
    license: 'CC-BY-4.0',
    attribution: ATTRIBUTION,
    generatedAt: now.toISOString(),
    ...(coverage ? { coverage } : {}),
    filesScanned: scanned,
    packages: [...names].sort(),
    advisories,
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const opt = (name, fallback) => (args.includes(name) ? args[args.indexOf(name) + 1] : fallback);
  const source = args.find((a, i) => !a.startsWith('--') && !['--lock', '--out', '--coverage'].includes(args[i - 1]));
  if (!source) {
    process.stderr.write('usage: node scripts/advisory-snapshot.mjs <advisory-database checkout or git dir> [--lock f] [--out f]\n');
    process.exit(2);
  }
  const lock = JSON.parse(readFileSync(opt('--lock', path.join(ROOT, 'package-lock.json')), 'utf8'));
  const out = opt('--out', path.join(ROOT, '.ci', 'advisory-snapshot.json'));
  const snap = buildSnapshot(path.resolve(source), lock, { coverage: opt('--coverage') });
  writeFileSync(out, `${JSON.stringify(snap, null, 2)}\n`);
  const gated = snap.advisories.filter((a) => a.gate !== false).length;
  process.stdout.write(
    `[snapshot] ${snap.filesScanned} advisory files scanned; ${snap.advisories.length} records (${gated} high/critical) ` +
      `for ${snap.packages.length} package names → ${path.relative(process.cwd(), out)}\n`,
  );
}
