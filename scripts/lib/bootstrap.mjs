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
