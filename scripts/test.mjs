#!/usr/bin/env node
// `npm test`: lint, build, start a throw-away real stack (PostgreSQL, Temporal, MinIO) on free ports, run every test
// file against it with node's test runner, and stop the stack. Works while `npm start` is running.
import { ensureBuilt, ensureDependencies, ROOT, step } from './lib/bootstrap.mjs';

ensureDependencies();

const { spawnSync, spawn } = await import('node:child_process');
const { existsSync, readdirSync, readFileSync, statSync } = await import('node:fs');
const path = (await import('node:path')).default;

step('lint', 'eslint (import directions of DESIGN.md §3, TypeScript rules, 140 columns) and prettier --check');
const lint = spawnSync(process.execPath, [path.join(ROOT, 'node_modules', 'eslint', 'bin', 'eslint.js'), '.'], {
  cwd: ROOT,
  stdio: 'inherit',
});
const prettierBin = path.join(ROOT, 'node_modules', 'prettier', 'bin', 'prettier.cjs');
const format = spawnSync(process.execPath, [prettierBin, '--check', '--log-level', 'warn', '.'], { cwd: ROOT, stdio: 'inherit' });
if (lint.status !== 0 || format.status !== 0) {
  process.stderr.write(`[eucora] lint failed${format.status !== 0 ? ' (formatting: run npm run format)' : ''}\n`);
  process.exit(1);
}
ensureBuilt();

const stack = await import('./lib/stack.mjs');

function findTests(dir, out = []) {
  for (const entry of readdirSync(dir)) {
    if (entry === 'node_modules' || entry.startsWith('.')) continue;
    const full = path.join(dir, entry);
    if (statSync(full).isDirectory()) findTests(full, out);
    else if (entry.endsWith('.test.js') && full.includes(`${path.sep}dist${path.sep}`)) {
      // Only compiled tests whose source still exists: a deleted test must not keep running from a stale dist/.
      const source = full.replace(`${path.sep}dist${path.sep}`, `${path.sep}src${path.sep}`).replace(/\.js$/, '.ts');
      if (existsSync(source)) out.push(full);
    }
  }
  return out;
}
// A test needs the real stack when its source uses the test-support helpers or the stack's environment; everything else
// (pure logic, simulators over loopback, replay of recorded histories) is the unit tier and runs without starting anything.
const NEEDS_STACK = /test-support|process\.env\.(DATABASE_URL|TEMPORAL_ADDRESS|S3_ENDPOINT|EUCORA_TEST_SUPERUSER_URL)|startTestApi/;
function needsStack(file) {
  return NEEDS_STACK.test(readFileSync(file, 'utf8'));
}
const args = process.argv.slice(2);
const tier = args[0] === 'unit' || args[0] === 'integration' ? args.shift() : null;
const filter = args[0];
let files = findTests(ROOT)
  .filter((f) => !filter || f.includes(filter))
  .sort();
if (tier === 'unit') files = files.filter((f) => !needsStack(f));
if (tier === 'integration') files = files.filter((f) => needsStack(f));
if (files.length === 0) {
  process.stderr.write('[eucora] no test files found\n');
  process.exit(1);
}
const stackNeeded = files.some(needsStack);

let stackHandle;
let exitCode = 1;
stack.onStopSignal(async () => {
  await stackHandle?.stop();
  process.exit(130);
});

try {
  let env = process.env;
  if (stackNeeded) {
    stackHandle = await stack.startEphemeralStack({ root: ROOT });
    env = stackHandle.env;
  } else step('stack', 'not needed: every selected test is unit tier');
  step('test', `${files.length} test files${tier ? ` (${tier} tier)` : ''}`);
  exitCode = await new Promise((resolve) => {
    const child = spawn(process.execPath, ['--test', '--test-concurrency=2', '--test-reporter=spec', ...files], {
      cwd: ROOT,
      env,
      stdio: 'inherit',
    });
    child.on('exit', (code) => resolve(code ?? 1));
  });
} catch (err) {
  process.stderr.write(`[eucora] test run failed: ${err.stack ?? err.message}\n`);
  exitCode = 1;
} finally {
  if (stackHandle) {
    step('stack', 'stopping');
    await stackHandle.stop();
  }
}
process.exit(exitCode);
