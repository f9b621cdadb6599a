// Steps that must run before any dependency exists: plain Node, no imports outside node:.
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';

export const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', '..');

/** Prints one progress line: `[eucora] step: message`. */
export function step(name, message) {
  process.stdout.write(`[eucora] ${name}: ${message}\n`);
}

function run(cmd, args, opts = {}) {
  const res = spawnSync(cmd, args, { cwd: ROOT, stdio: 'inherit', ...opts });
  if (res.error) throw res.error;
  if (res.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited with ${res.status}`);
}

/** Installs dependencies when node_modules is missing or older than package-lock.json. */
export function ensureDependencies() {
  const marker = path.join(ROOT, 'node_modules', '.package-lock.json');
  const lock = path.join(ROOT, 'package-lock.json');
  if (existsSync(marker) && statSync(marker).mtimeMs >= statSync(lock).mtimeMs) {
    step('dependencies', 'installed');
    return;
  }
  step('dependencies', 'installing with npm ci (first run takes a minute or two)');
  const started = Date.now();
  run('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error']);
  step('dependencies', `installed in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

/** Compiles every workspace with `tsc --build` (incremental: near-instant when nothing changed). */
export function ensureBuilt() {
  step('build', 'tsc --build');
  const started = Date.now();
  run(process.execPath, [path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '--build']);
  step('build', `done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

/**
 * The first directory on the way to `target` that users other than root cannot enter (no `o+x`), or null. As root,
 * embedded PostgreSQL runs initdb and the server as user `postgres`, which must reach both its binaries and the data dir.
 */
export function untraversableAncestor(target) {
  let dir = path.resolve(target);
  const chain = [];
  while (true) {
    chain.unshift(dir);
    const parent = path.dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  for (const d of chain) {
    if (!existsSync(d)) break;
    if ((statSync(d).mode & 0o001) === 0) return d;
  }
  return null;
}

/**
 * Fails at once, in one line with the fix, when we are root and the `postgres` user could not reach PostgreSQL's
 * binaries (in the checkout's node_modules) or `dataDir`: otherwise initdb dies later with a bare EACCES.
 */
export function assertPostgresCanTraverse(dataDir) {
  if (process.getuid?.() !== 0) return;
  // The binaries live in this checkout's node_modules; checking the checkout needs no installed dependency.
  for (const target of [path.join(ROOT, 'node_modules'), dataDir]) {
    const blocked = untraversableAncestor(target);
    if (blocked) {
      throw new Error(
        `PostgreSQL runs as user postgres, which cannot enter ${blocked} (mode ${(statSync(blocked).mode & 0o777).toString(8)}) ` +
          `on the way to ${target}; fix: clone into a directory others can traverse (e.g. /srv or /opt), ` +
          `or run \`chmod o+x ${blocked}\`, or set DATABASE_URL.`,
      );
    }
  }
}
