#!/usr/bin/env node
// `npm test`: lint, build, start a throw-away real stack (PostgreSQL, Temporal, MinIO) on free ports, run every test
// file against it with node's test runner, and stop the stack. Works while `npm start` is running.
import { ensureBuilt, ensureDependencies, ROOT, step } from './lib/bootstrap.mjs';

ensureDependencies();

const { spawnSync, spawn } = await import('node:child_process');
const { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync, statSync } = await import('node:fs');
const { randomBytes } = await import('node:crypto');
const os = (await import('node:os')).default;
const path = (await import('node:path')).default;

step('lint', 'eslint (import directions of DESIGN.md §3, TypeScript rules)');
const lint = spawnSync(process.execPath, [path.join(ROOT, 'node_modules', 'eslint', 'bin', 'eslint.js'), '.'], { cwd: ROOT, stdio: 'inherit' });
if (lint.status !== 0) {
  process.stderr.write('[eucora] lint failed\n');
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
const filter = process.argv[2];
const files = findTests(ROOT).filter((f) => !filter || f.includes(filter)).sort();
if (files.length === 0) {
  process.stderr.write('[eucora] no test files found\n');
  process.exit(1);
}

const work = mkdtempSync(path.join(os.tmpdir(), 'eucora-test-'));
// PostgreSQL runs as its own user when we are root; it must be able to enter this directory.
chmodSync(work, 0o755);
const group = new stack.ProcessGroup();
let exitCode = 1;
stack.onStopSignal(async () => {
  await group.stopAll();
  rmSync(work, { recursive: true, force: true });
  process.exit(130);
});

try {
  const [pgPort, temporalPort, minioPort, minioConsolePort] = await Promise.all([stack.freePort(), stack.freePort(), stack.freePort(), stack.freePort()]);
  const [temporalBin, minioBin] = [await stack.ensureTool('temporal'), await stack.ensureTool('minio')];
  const pgPassword = randomBytes(12).toString('hex');
  const appDbPassword = randomBytes(12).toString('hex');
  const s3 = { accessKey: `test-${randomBytes(4).toString('hex')}`, secretKey: randomBytes(16).toString('hex') };
  step('stack', `starting PostgreSQL :${pgPort}, Temporal :${temporalPort}, MinIO :${minioPort} in ${work}`);
  const started = Date.now();
  const [pg, temporal, minio] = await Promise.all([
    stack.startPostgres(group, { dataDir: path.join(work, 'pg'), port: pgPort, password: pgPassword, logFile: path.join(work, 'postgres.log') }),
    stack.startTemporal(group, { bin: temporalBin, port: temporalPort, headless: true, dbFile: path.join(work, 'temporal.db'), logFile: path.join(work, 'temporal.log') }),
    stack.startMinio(group, { bin: minioBin, port: minioPort, consolePort: minioConsolePort, dataDir: path.join(work, 'minio'), ...s3, logFile: path.join(work, 'minio.log') }),
  ]);
  step('stack', `ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);

  const env = {
    ...process.env,
    EUCORA_ENV: 'test',
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'silent',
    DATABASE_URL: pg.url.replace(/^postgres:\/\/[^@]+@/, `postgres://eucora_app:${appDbPassword}@`),
    // Superuser URL: only for tests that play an attacker with database access (audit tamper) or need the owner.
    EUCORA_TEST_SUPERUSER_URL: pg.url,
    TEMPORAL_ADDRESS: temporal.address,
    S3_ENDPOINT: minio.endpoint,
    S3_ACCESS_KEY: s3.accessKey,
    S3_SECRET_KEY: s3.secretKey,
    S3_BUCKET: 'eucora-evidence-test',
    // Lets tests stop and restart MinIO to prove health turns 503 and back.
    EUCORA_TEST_MINIO_BIN: minioBin,
    EUCORA_TEST_MINIO_DIR: path.join(work, 'minio'),
    EUCORA_TEST_MINIO_PID: String(minio.child.pid),
    EUCORA_TEST_MINIO_CONSOLE_PORT: String(minioConsolePort),
  };
  const setup = spawnSync(process.execPath, [path.join(ROOT, 'services', 'api', 'dist', 'cli.js'), 'setup'], {
    env: { ...env, DATABASE_MIGRATION_URL: pg.url, EUCORA_APP_DB_PASSWORD: appDbPassword },
    encoding: 'utf8',
  });
  if (setup.status !== 0) throw new Error(`setup failed: ${setup.stderr}`);
  step('stack', `migrated: ${setup.stdout.trim()}`);

  step('test', `${files.length} test files`);
  exitCode = await new Promise((resolve) => {
    const child = spawn(process.execPath, ['--test', '--test-concurrency=2', '--test-reporter=spec', ...files], { cwd: ROOT, env, stdio: 'inherit' });
    child.on('exit', (code) => resolve(code ?? 1));
  });
} catch (err) {
  process.stderr.write(`[eucora] test run failed: ${err.stack ?? err.message}\n`);
  exitCode = 1;
} finally {
  step('stack', 'stopping');
  await group.stopAll();
  rmSync(work, { recursive: true, force: true });
}
process.exit(exitCode);
