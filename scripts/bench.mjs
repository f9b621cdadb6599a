#!/usr/bin/env node
// `npm run bench:<name>`: build, start a throw-away real stack, run services/worker/dist/bench/<name>.bench.js against it,
// print its figures and keep its JSON report in bench-results/.
import { ensureBuilt, ensureDependencies, ROOT, step } from './lib/bootstrap.mjs';

const name = process.argv[2];
if (!name) {
  process.stderr.write('usage: node scripts/bench.mjs <name>\n');
  process.exit(2);
}
ensureDependencies();
ensureBuilt();
const { spawn } = await import('node:child_process');
const { existsSync } = await import('node:fs');
const path = (await import('node:path')).default;
const stack = await import('./lib/stack.mjs');
const script = path.join(ROOT, 'services', 'worker', 'dist', 'bench', `${name}.bench.js`);
if (!existsSync(script)) {
  process.stderr.write(`[eucora] no benchmark named ${name} (${script})\n`);
  process.exit(2);
}
let handle;
let code = 1;
stack.onStopSignal(async () => {
  await handle?.stop();
  process.exit(130);
});
try {
  handle = await stack.startEphemeralStack({ root: ROOT, label: `eucora-bench-${name}` });
  step('bench', name);
  code = await new Promise((resolve) => {
    const child = spawn(process.execPath, [script], {
      cwd: ROOT,
      env: { ...handle.env, EUCORA_BENCH_OUT: path.join(ROOT, 'bench-results') },
      stdio: 'inherit',
    });
    child.on('exit', (c) => resolve(c ?? 1));
  });
} finally {
  await handle?.stop();
}
process.exit(code);
