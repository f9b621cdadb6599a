#!/usr/bin/env node
// Release gates run by .ci/run before the tests (docs/security.md, "Release gates"). Fail closed:
//   1. dependency advisories: `npm audit` of the installed production tree; any high/critical advisory not on the reviewed,
//      unexpired allow list fails. When the audit service cannot be reached the gate fails too, unless the allow list
//      carries an unexpired, reviewed `auditUnavailable` waiver (at most 31 days long) — then it passes with a warning.
//   2. lockfile integrity: every locked package has a sha512 integrity and an https tarball (no git/file/http sources).
//   3. secret scan of the tracked tree: private keys, AWS-style keys, GitHub/Slack tokens, EUCORA API tokens, and
//      high-entropy values assigned to secret-looking names; findings are allowed only by fingerprint in the reviewed list.
// `--self-test` first proves each gate fails on planted input, so a gate that silently stopped working is caught.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const AUDIT_ALLOWLIST = path.join(ROOT, '.ci', 'audit-allowlist.json');
const SECRET_ALLOWLIST = path.join(ROOT, '.ci', 'secret-scan-allowlist.json');
const MAX_WAIVER_DAYS = 31;

const log = (msg) => process.stdout.write(`[gates] ${msg}\n`);
const day = (s) => new Date(`${s}T23:59:59Z`);

/** Validates an allow list entry's review fields; returns a problem string or null. */
function entryProblem(e, today, what) {
  for (const k of ['reason', 'reviewedBy', 'expires']) if (typeof e[k] !== 'string' || !e[k].trim()) return `${what}: "${k}" is required`;
  if (Number.isNaN(day(e.expires).getTime())) return `${what}: expires "${e.expires}" is not a date (YYYY-MM-DD)`;
  if (day(e.expires) < today) return `${what}: expired on ${e.expires} — review it again or fix the finding`;
  return null;
}

// ---------------------------------------------------------------------------------------------------------------- audit

/** Decides the audit gate from `npm audit --json` output; pure, so the self-test can feed it fixtures. */
export function judgeAudit(report, allow, today = new Date()) {
  const failures = [];
  const warnings = [];
  const problems = [];
  for (const [i, e] of (allow.advisories ?? []).entries()) {
    const p = entryProblem(e, today, `audit allow list entry ${i} (${e.id ?? '?'})`);
    if (p) problems.push(p);
    else if (!e.id || !e.package) problems.push(`audit allow list entry ${i}: "id" and "package" are required`);
  }
  if (problems.length) return { ok: false, failures: problems, warnings };
  if (report.error || !report.vulnerabilities) {
    const why = report.error?.summary || report.message || 'no report';
    const w = allow.auditUnavailable;
    const p = w ? entryProblem(w, today, 'auditUnavailable waiver') : 'no auditUnavailable waiver';
    const long = w && w.reviewed && (day(w.expires) - day(w.reviewed)) / 86_400_000 > MAX_WAIVER_DAYS;
    if (p || long || !w.reviewed) {
      const because = p ?? (long ? `waiver longer than ${MAX_WAIVER_DAYS} days` : 'waiver needs "reviewed"');
      failures.push(`npm audit could not run (${why}); failing closed (${because})`);
    } else {
      warnings.push(`npm audit could not run (${why}); passing on the reviewed waiver until ${w.expires}: ${w.reason}`);
    }
    return { ok: failures.length === 0, failures, warnings };
  }
  const allowed = new Set((allow.advisories ?? []).map((e) => `${e.package}:${e.id}`));
  for (const [name, v] of Object.entries(report.vulnerabilities)) {
    if (!['high', 'critical'].includes(v.severity)) continue;
    const advisories = (v.via ?? []).filter((x) => typeof x === 'object');
    // A package flagged only through another vulnerable package is judged at that package.
    if (advisories.length === 0) continue;
    for (const a of advisories) {
      if (!['high', 'critical'].includes(a.severity)) continue;
      const id = String(a.source ?? a.url ?? a.title);
      const ghsa = /GHSA-[\w-]+/.exec(a.url ?? '')?.[0];
      const isAllowed = allowed.has(`${name}:${id}`) || (ghsa && allowed.has(`${name}:${ghsa}`));
      if (isAllowed) warnings.push(`${name}: ${a.severity} ${ghsa ?? id} allowed by review`);
      else failures.push(`${name}: ${a.severity} advisory ${ghsa ?? id} (${a.title ?? ''}) in ${a.range ?? 'some versions'}`);
    }
  }
  return { ok: failures.length === 0, failures, warnings };
}

function runAudit() {
  const r = spawnSync('npm', ['audit', '--omit=dev', '--json'], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  try {
    return JSON.parse(r.stdout);
  } catch {
    return { error: { summary: r.error?.message ?? `npm audit exited ${r.status} without a JSON report` } };
  }
}

// ------------------------------------------------------------------------------------------------------------ lockfile

/** Every locked package must be pinned by a sha512 integrity; a recorded source must be an https tarball (no git/file/http). */
export function judgeLockfile(lock) {
  const failures = [];
  for (const [p, e] of Object.entries(lock.packages ?? {})) {
    if (!p || e.link || !p.includes('node_modules/')) continue;
    if (e.resolved !== undefined && !e.resolved.startsWith('https://')) {
      failures.push(`${p}: resolved from "${e.resolved}" (https tarballs only)`);
    }
    if (!e.integrity || !e.integrity.startsWith('sha512-')) failures.push(`${p}: no sha512 integrity`);
  }
  return { ok: failures.length === 0, failures, warnings: [] };
}

// ------------------------------------------------------------------------------------------------------------- secrets

const RULES = [
  { id: 'private-key', re: /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----/g },
  { id: 'aws-access-key-id', re: /\b(?:AKIA|ASIA|AGPA|AIDA|AROA)[0-9A-Z]{16}\b/g },
  { id: 'aws-secret-access-key', re: /aws_?secret_?access_?key["']?\s*[:=]\s*["']?[A-Za-z0-9/+=]{40}\b/gi },
  { id: 'github-token', re: /\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{60,})\b/g },
  { id: 'slack-token', re: /\bxox[abposr]-[A-Za-z0-9-]{10,}\b/g },
  { id: 'eucora-api-token', re: /\beucora\.[0-9a-f-]{36}\.[A-Za-z0-9_-]{43}\b/g },
];
// A value assigned to a secret-looking name, judged by entropy (placeholders and words are fine).
const NAME = '[A-Za-z0-9_]*(?:secret|password|passwd|token|api_?key|access_?key|private_?key|client_?secret)[A-Za-z0-9_]*';
const ASSIGN = new RegExp(`\\b(${NAME})["']?\\s*[:=]\\s*["'\`]([^"'\`\\s]{20,})["'\`]`, 'gi');

function entropy(s) {
  const counts = new Map();
  for (const c of s) counts.set(c, (counts.get(c) ?? 0) + 1);
  let h = 0;
  for (const n of counts.values()) h -= (n / s.length) * Math.log2(n / s.length);
  return h;
}

const fingerprint = (file, match) => createHash('sha256').update(`${file}\0${match}`).digest('hex').slice(0, 16);

/** Scans `files` ({ path, text }); findings carry a fingerprint (path + match hashed) so the allow list holds no secrets. */
export function scanSecrets(files) {
  const findings = [];
  for (const { path: file, text } of files) {
    const lineOf = (i) => text.slice(0, i).split('\n').length;
    for (const rule of RULES) {
      for (const m of text.matchAll(rule.re)) {
        findings.push({ rule: rule.id, file, line: lineOf(m.index), fingerprint: fingerprint(file, m[0]) });
      }
    }
    for (const m of text.matchAll(ASSIGN)) {
      const value = m[2];
      // Code (template expressions, calls) and placeholders are not values.
      if (/\$\{|\(|^process\.env|^<|^\*+$|^x+$/i.test(value) || entropy(value) < 4.0) continue;
      findings.push({ rule: 'high-entropy-secret', file, line: lineOf(m.index), fingerprint: fingerprint(file, value) });
    }
  }
  return findings;
}

export function judgeSecrets(findings, allow, today = new Date()) {
  const failures = [];
  const warnings = [];
  const ok = new Set();
  for (const [i, e] of (allow.findings ?? []).entries()) {
    const p = entryProblem(e, today, `secret allow list entry ${i} (${e.file ?? '?'})`);
    if (p) failures.push(p);
    else ok.add(`${e.file}:${e.fingerprint}`);
  }
  for (const f of findings) {
    if (ok.has(`${f.file}:${f.fingerprint}`)) warnings.push(`${f.file}:${f.line} ${f.rule} allowed (test fixture)`);
    else failures.push(`${f.file}:${f.line}: ${f.rule} (fingerprint ${f.fingerprint})`);
  }
  return { ok: failures.length === 0, failures, warnings };
}

function trackedFiles() {
  const r = spawnSync('git', ['ls-files', '-z'], { cwd: ROOT, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`git ls-files failed: ${r.stderr}`);
  const out = [];
  for (const f of r.stdout.split('\0').filter(Boolean)) {
    const full = path.join(ROOT, f);
    let st;
    try {
      st = statSync(full);
    } catch {
      continue; // deleted in the work tree
    }
    if (!st.isFile() || st.size > 2 * 1024 * 1024) continue;
    const buf = readFileSync(full);
    if (buf.includes(0)) continue; // binary
    out.push({ path: f, text: buf.toString('utf8') });
  }
  return out;
}

// ------------------------------------------------------------------------------------------------------------ runner

const readJson = (p, fallback) => {
  try {
    return JSON.parse(readFileSync(p, 'utf8'));
  } catch (err) {
    if (fallback !== undefined && err.code === 'ENOENT') return fallback;
    throw new Error(`${path.relative(ROOT, p)}: ${err.message}`);
  }
};

function selfTest() {
  const today = new Date('2026-06-01T00:00:00Z');
  const via = [{ source: 1001, url: 'https://github.com/advisories/GHSA-aaaa-bbbb-cccc', severity: 'high', title: 'x', range: '<2' }];
  const vuln = { vulnerabilities: { leftpad: { severity: 'high', via } } };
  const down = { error: { summary: '405' } };
  const gitSourced = { resolved: 'git+ssh://h/x', integrity: 'sha512-a' };
  const waiver = (reviewed, expires) => ({ auditUnavailable: { reason: 'r', reviewedBy: 's', reviewed, expires } });
  const moderate = { vulnerabilities: { x: { severity: 'moderate', via: [{ severity: 'moderate' }] } } };
  const entry = { id: 'GHSA-aaaa-bbbb-cccc', package: 'leftpad', reason: 'not reachable', reviewedBy: 'sec', expires: '2026-07-01' };
  const key = ['-----BEGIN', 'PRIVATE KEY-----'].join(' ');
  const aws = ['AKIA', 'Z7QW4MNX2PLK9RTY'].join('');
  const planted = [
    { path: 'a.pem', text: `${key}\nMIIEvQ...\n` },
    { path: 'b.ts', text: `const k = '${aws}';` },
    { path: 'c.ts', text: `const clientSecret = '${['q8T2vXz9', 'LmN4pR7s', 'W1yB6cK3'].join('')}';` },
    { path: 'd.ts', text: "const password = 'changeme-changeme-changeme';" },
  ];
  const found = scanSecrets(planted);
  const checks = [
    ['a high advisory fails', !judgeAudit(vuln, {}, today).ok],
    ['an allow-listed advisory passes', judgeAudit(vuln, { advisories: [entry] }, today).ok],
    ['an expired allow list entry fails', !judgeAudit(vuln, { advisories: [{ ...entry, expires: '2026-05-01' }] }, today).ok],
    ['an entry without a reason fails', !judgeAudit(vuln, { advisories: [{ ...entry, reason: '' }] }, today).ok],
    ['a moderate advisory passes', judgeAudit(moderate, {}, today).ok],
    ['an unreachable audit fails closed', !judgeAudit(down, {}, today).ok],
    ['an unreachable audit with a reviewed waiver passes', judgeAudit(down, waiver('2026-05-20', '2026-06-15'), today).ok],
    ['an over-long waiver fails', !judgeAudit(down, waiver('2026-01-01', '2026-12-01'), today).ok],
    ['an expired waiver fails', !judgeAudit(down, waiver('2026-05-01', '2026-05-20'), today).ok],
    ['a git-sourced lock entry fails', !judgeLockfile({ packages: { 'node_modules/x': gitSourced } }).ok],
    ['a private key is found', found.some((f) => f.rule === 'private-key')],
    ['an AWS access key id is found', found.some((f) => f.rule === 'aws-access-key-id')],
    ['a high-entropy client secret is found', found.some((f) => f.rule === 'high-entropy-secret' && f.file === 'c.ts')],
    ['a low-entropy placeholder is not', !found.some((f) => f.file === 'd.ts')],
    ['a finding fails unless allowed by fingerprint', !judgeSecrets(found, {}, today).ok],
  ];
  const review = { reason: 'fixture', reviewedBy: 's', expires: '2026-12-31' };
  const allowAll = { findings: found.map((f) => ({ file: f.file, fingerprint: f.fingerprint, ...review })) };
  checks.push(['allowed fingerprints pass', judgeSecrets(found, allowAll, today).ok]);
  const bad = checks.filter(([, ok]) => !ok);
  for (const [name] of bad) log(`SELF-TEST FAILED: ${name}`);
  if (bad.length) process.exit(1);
  log(`self-test: ${checks.length} planted cases behave`);
}

function report(name, r, started) {
  for (const w of r.warnings) log(`${name}: warning: ${w}`);
  for (const f of r.failures) log(`${name}: FAIL: ${f}`);
  log(`${name}: ${r.ok ? 'ok' : 'FAILED'} (${Date.now() - started} ms)`);
  return r.ok;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  if (process.argv.includes('--self-test')) selfTest();
  let ok = true;
  let t = Date.now();
  ok = report('audit', judgeAudit(runAudit(), readJson(AUDIT_ALLOWLIST, {})), t) && ok;
  t = Date.now();
  ok = report('lockfile', judgeLockfile(readJson(path.join(ROOT, 'package-lock.json'))), t) && ok;
  t = Date.now();
  const findings = scanSecrets(trackedFiles());
  ok = report('secrets', judgeSecrets(findings, readJson(SECRET_ALLOWLIST, {})), t) && ok;
  if (process.argv.includes('--print-findings')) for (const f of findings) process.stdout.write(`${JSON.stringify(f)}\n`);
  if (!ok) {
    log('release gates failed; see docs/security.md ("Release gates") for the policy and how to review an exception');
    process.exit(1);
  }
}
