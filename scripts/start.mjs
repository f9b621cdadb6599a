#!/usr/bin/env node
// `npm start`: set everything up on a fresh clone and run the control plane. See README.md.
import path from 'node:path';
import { assertPostgresCanTraverse, ensureBuilt, ensureDependencies, ROOT, step } from './lib/bootstrap.mjs';

if (!process.env.DATABASE_URL) {
  // At once, before installing or creating anything: as root, embedded PostgreSQL runs as user postgres, which must
  // reach the checkout (its binaries) and the data directory.
  try {
    assertPostgresCanTraverse(path.join(path.resolve(process.env.EUCORA_DATA_DIR || path.join(ROOT, '.data')), 'pg'));
  } catch (err) {
    process.stderr.write(`[eucora] ${err.message}\n`);
    process.exit(2);
  }
}
ensureDependencies();
ensureBuilt();

const { randomBytes } = await import('node:crypto');
const { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } = await import('node:fs');
const { spawnSync } = await import('node:child_process');
const stack = await import('./lib/stack.mjs');
const { parseConfig, stackEnvSchema, ConfigError } = await import('../services/core/dist/index.js');

let cfg;
try {
  cfg = parseConfig(stackEnvSchema, process.env);
} catch (err) {
  if (err instanceof ConfigError) {
    process.stderr.write(`[eucora] ${err.message}\n`);
    process.exit(2);
  }
  throw err;
}

const dataDir = path.resolve(cfg.EUCORA_DATA_DIR ?? path.join(ROOT, '.data'));
const logDir = path.join(dataDir, 'logs');
// The data dir keeps default permissions (PostgreSQL, running as its own user, must traverse it); logs are owner-only.
mkdirSync(dataDir, { recursive: true });
mkdirSync(logDir, { recursive: true, mode: 0o700 });
chmodSync(logDir, 0o700);

// Local secrets are generated once and kept with the data they protect (mode 0600, git-ignored).
const secretsFile = path.join(dataDir, 'secrets.json');
if (!existsSync(secretsFile)) {
  const secrets = {
    pgPassword: randomBytes(18).toString('base64url'),
    minioAccessKey: `eucora-${randomBytes(4).toString('hex')}`,
    minioSecretKey: randomBytes(24).toString('base64url'),
  };
  writeFileSync(secretsFile, JSON.stringify(secrets, null, 2), { mode: 0o600 });
}
const secrets = JSON.parse(readFileSync(secretsFile, 'utf8'));
// Added after the first release of the launcher: older .data folders get them on their next start.
if (!secrets.appDbPassword || !secrets.connectorSecretKey || !secrets.decisionKey || !secrets.minioAppAccessKey) {
  secrets.appDbPassword ??= randomBytes(18).toString('base64url');
  secrets.connectorSecretKey ??= randomBytes(32).toString('base64');
  // Signs CAB decisions from the API to the workflow (HMAC-SHA256); API and worker get the same one.
  secrets.decisionKey ??= randomBytes(32).toString('base64');
  // The API and worker use this least-privilege MinIO user; the root keys above stay with setup.
  secrets.minioAppAccessKey ??= `eucora-app-${randomBytes(4).toString('hex')}`;
  secrets.minioAppSecretKey ??= randomBytes(24).toString('base64url');
  writeFileSync(secretsFile, JSON.stringify(secrets, null, 2), { mode: 0o600 });
}

const group = new stack.ProcessGroup();
let stopping = false;
async function shutdown(code) {
  if (stopping) return;
  stopping = true;
  step('stop', 'stopping everything npm start started');
  await group.stopAll();
  step('stop', 'stopped');
  process.exit(code);
}
stack.onStopSignal(() => void shutdown(0));

try {
  const env = {
    ...process.env,
    EUCORA_ENV: process.env.EUCORA_ENV ?? 'development',
    API_PORT: String(cfg.API_PORT),
    CONNECTOR_SECRET_KEY: process.env.CONNECTOR_SECRET_KEY ?? secrets.connectorSecretKey,
    EUCORA_DECISION_KEY: process.env.EUCORA_DECISION_KEY ?? secrets.decisionKey,
  };
  if (!env.EVIDENCE_SIGNING_KEY_FILE) {
    // Dev: the evidence signing keyring is generated once and kept with the data (mode 0600).
    env.EVIDENCE_SIGNING_KEY_FILE = path.join(dataDir, 'evidence-keys.json');
    const { ensureKeyring } = await import('../services/runtime/dist/index.js');
    if (ensureKeyring(env.EVIDENCE_SIGNING_KEY_FILE))
      step('evidence', `generated an Ed25519 signing keyring in ${env.EVIDENCE_SIGNING_KEY_FILE}`);
  }

  if (cfg.DATABASE_URL) {
    step('postgres', 'using DATABASE_URL');
  } else {
    await stack.assertPortFree(cfg.PG_PORT, 'embedded PostgreSQL', 'PG_PORT');
    step('postgres', `starting embedded PostgreSQL on 127.0.0.1:${cfg.PG_PORT}`);
    const pg = await stack.startPostgres(group, {
      dataDir: path.join(dataDir, 'pg'),
      port: cfg.PG_PORT,
      password: secrets.pgPassword,
      logFile: path.join(logDir, 'postgres.log'),
    });
    // Migrations run as the owner; the API and worker connect as eucora_app, which cannot rewrite the audit events.
    env.DATABASE_MIGRATION_URL = pg.url;
    env.EUCORA_APP_DB_PASSWORD = secrets.appDbPassword;
    env.DATABASE_URL = pg.url.replace(/^postgres:\/\/[^@]+@/, `postgres://eucora_app:${encodeURIComponent(secrets.appDbPassword)}@`);
    step('postgres', pg.fresh ? 'ready (new cluster)' : 'ready (existing data reused)');
  }

  let temporalUi = null;
  if (cfg.TEMPORAL_ADDRESS) {
    step('temporal', `using TEMPORAL_ADDRESS ${cfg.TEMPORAL_ADDRESS}`);
  } else {
    const bin = await stack.ensureTool('temporal');
    await stack.assertPortFree(cfg.TEMPORAL_PORT, 'Temporal frontend', 'TEMPORAL_PORT');
    await stack.assertPortFree(cfg.TEMPORAL_UI_PORT, 'Temporal UI', 'TEMPORAL_UI_PORT');
    step('temporal', `starting the dev server on 127.0.0.1:${cfg.TEMPORAL_PORT} (${bin})`);
    const t = await stack.startTemporal(group, {
      bin,
      port: cfg.TEMPORAL_PORT,
      uiPort: cfg.TEMPORAL_UI_PORT,
      dbFile: path.join(dataDir, 'temporal.db'),
      logFile: path.join(logDir, 'temporal.log'),
    });
    env.TEMPORAL_ADDRESS = t.address;
    temporalUi = `http://127.0.0.1:${cfg.TEMPORAL_UI_PORT}`;
    step('temporal', 'ready');
  }

  let minioConsole = null;
  if (cfg.S3_ENDPOINT) {
    step('minio', `using S3_ENDPOINT ${cfg.S3_ENDPOINT}`);
  } else {
    const bin = await stack.ensureTool('minio');
    await stack.assertPortFree(cfg.MINIO_PORT, 'MinIO', 'MINIO_PORT');
    await stack.assertPortFree(cfg.MINIO_CONSOLE_PORT, 'MinIO console', 'MINIO_CONSOLE_PORT');
    step('minio', `starting MinIO on 127.0.0.1:${cfg.MINIO_PORT} (${bin})`);
    const m = await stack.startMinio(group, {
      bin,
      port: cfg.MINIO_PORT,
      consolePort: cfg.MINIO_CONSOLE_PORT,
      dataDir: path.join(dataDir, 'minio'),
      accessKey: secrets.minioAccessKey,
      secretKey: secrets.minioSecretKey,
      logFile: path.join(logDir, 'minio.log'),
    });
    env.S3_ENDPOINT = m.endpoint;
    // Root keys for setup only; replaced by the app user's keys below once setup has created that user.
    env.S3_ACCESS_KEY = secrets.minioAccessKey;
    env.S3_SECRET_KEY = secrets.minioSecretKey;
    env.EUCORA_APP_S3_ACCESS_KEY = secrets.minioAppAccessKey;
    env.EUCORA_APP_S3_SECRET_KEY = secrets.minioAppSecretKey;
    minioConsole = `http://127.0.0.1:${cfg.MINIO_CONSOLE_PORT}`;
    step('minio', 'ready');
  }

  if (process.env.INTUNE_GRAPH_URL) {
    step('agent-sim', `using INTUNE_GRAPH_URL ${process.env.INTUNE_GRAPH_URL}`);
  } else {
    for (let i = 0; i < 5; i++)
      await stack.assertPortFree(cfg.SIM_INTUNE_PORT + i, 'plane simulators (5 consecutive ports)', 'SIM_INTUNE_PORT');
    step(
      'agent-sim',
      `starting the plane simulators on 127.0.0.1:${cfg.SIM_INTUNE_PORT}-${cfg.SIM_INTUNE_PORT + 4} ` +
        `(demo mode, ${process.env.SIM_FLEET_SIZE ?? 10000} devices)`,
    );
    const sim = group.spawn('agent-sim', process.execPath, [path.join(ROOT, 'agent-sim', 'dist', 'main.js')], {
      env: { SIM_INTUNE_PORT: String(cfg.SIM_INTUNE_PORT) },
      logFile: path.join(logDir, 'agent-sim.log'),
    });
    let simExited = false;
    sim.once('exit', () => (simExited = true));
    await stack.waitFor('the Intune simulator', async () => {
      if (simExited) throw new Error(`agent-sim exited early; see ${logDir}/agent-sim.log`);
      return (await fetch(`http://127.0.0.1:${cfg.SIM_INTUNE_PORT}/_sim/stats`, { signal: AbortSignal.timeout(1000) })).ok;
    });
    env.INTUNE_GRAPH_URL = `http://127.0.0.1:${cfg.SIM_INTUNE_PORT}`;
    // The simulator's fixed demo credentials (agent-sim/src/intune/intune-simulator.ts); real tenants configure their own.
    env.INTUNE_CLIENT_ID = 'eucora-sim-client';
    env.INTUNE_CLIENT_SECRET = 'eucora-sim-secret';
    // Demo mode: tenants may point connectors at the five loopback simulators over plain http, and at nothing else on loopback.
    const sims = `127.0.0.1:${cfg.SIM_INTUNE_PORT}-${cfg.SIM_INTUNE_PORT + 4}`;
    env.EUCORA_OUTBOUND_ALLOW_HTTP_HOSTS = [process.env.EUCORA_OUTBOUND_ALLOW_HTTP_HOSTS, sims].filter(Boolean).join(',');
    env.EUCORA_OUTBOUND_ALLOW_HOSTS = [process.env.EUCORA_OUTBOUND_ALLOW_HOSTS, sims].filter(Boolean).join(',');
    step('agent-sim', 'ready');
  }

  const cli = path.join(ROOT, 'services', 'api', 'dist', 'cli.js');
  step('migrations', 'applying migrations and ensuring the evidence bucket');
  const setup = spawnSync(process.execPath, [cli, 'setup'], { env, encoding: 'utf8' });
  delete env.EUCORA_APP_DB_PASSWORD;
  delete env.DATABASE_MIGRATION_URL;
  if (env.EUCORA_APP_S3_ACCESS_KEY) {
    env.S3_ACCESS_KEY = env.EUCORA_APP_S3_ACCESS_KEY;
    env.S3_SECRET_KEY = env.EUCORA_APP_S3_SECRET_KEY;
    delete env.EUCORA_APP_S3_ACCESS_KEY;
    delete env.EUCORA_APP_S3_SECRET_KEY;
  }
  if (setup.status !== 0) throw new Error(`setup failed:\n${setup.stderr}`);
  const setupOut = JSON.parse(setup.stdout.trim().split('\n').at(-1));
  step(
    'migrations',
    `${setupOut.migrationsApplied.length} applied; bucket ${setupOut.bucket.name} ${setupOut.bucket.status}` +
      (setupOut.storageUser ? `; API and worker use MinIO user ${setupOut.storageUser.accessKey} (no delete, no retention bypass)` : ''),
  );

  const boot = spawnSync(process.execPath, [cli, 'bootstrap'], { env, encoding: 'utf8' });
  if (boot.status !== 0) throw new Error(`bootstrap failed:\n${boot.stderr}`);
  const bootOut = JSON.parse(boot.stdout.trim().split('\n').at(-1));

  // API and worker are restarted if they crash, with backoff, so a crash loses nothing and needs no operator.
  let workerReady = false;
  const supervise = (name, script) => {
    let restarts = 0;
    const launch = () => {
      const child = group.spawn(name, process.execPath, [script], { env, logFile: path.join(logDir, `${name}.log`), echo: true });
      child.stdout.on('data', (chunk) => {
        if (name === 'worker' && chunk.toString().includes('"msg":"worker ready"')) workerReady = true;
      });
      child.once('exit', (code, signal) => {
        if (stopping || group.stopping) return;
        restarts++;
        const delay = Math.min(30_000, 1000 * 2 ** Math.min(restarts, 5));
        step(name, `exited (${signal ?? code}); restarting in ${delay / 1000} s`);
        setTimeout(() => !stopping && launch(), delay);
      });
    };
    launch();
  };
  step('services', 'starting the API and the worker');
  supervise('worker', path.join(ROOT, 'services', 'worker', 'dist', 'main.js'));
  supervise('api', path.join(ROOT, 'services', 'api', 'dist', 'main.js'));

  const api = `http://127.0.0.1:${cfg.API_PORT}`;
  await stack.waitFor(
    'the API',
    async () => workerReady && (await fetch(`${api}/api/v1/health`, { signal: AbortSignal.timeout(3000) })).status === 200,
    { timeoutMs: 180_000, intervalMs: 500 },
  );
  const lines = [
    '',
    'EUCORA is ready.',
    `  API         ${api}/api/v1`,
    `  API docs    ${api}/api/docs`,
    `  Health      ${api}/api/v1/health`,
    ...(temporalUi ? [`  Temporal UI ${temporalUi}`] : []),
    ...(minioConsole ? [`  MinIO       ${minioConsole} (credentials in ${secretsFile})`] : []),
    ...(process.env.INTUNE_GRAPH_URL
      ? []
      : [
          `  Simulators  intune :${cfg.SIM_INTUNE_PORT}, jamf :${cfg.SIM_INTUNE_PORT + 1}, sccm :${cfg.SIM_INTUNE_PORT + 2}, ` +
            `landscape :${cfg.SIM_INTUNE_PORT + 3}, awx :${cfg.SIM_INTUNE_PORT + 4} (GET /_sim/stats)`,
        ]),
    `  Data        ${dataDir}   Logs ${logDir}`,
  ];
  if (bootOut.created) {
    lines.push(
      '',
      `  First run: created tenant "${bootOut.slug}" with an admin token. It is shown this once; store it now:`,
      `    ${bootOut.token}`,
      `  e.g. curl -H "Authorization: Bearer <token>" ${api}/api/v1/admin/tokens`,
    );
  }
  lines.push('', 'Press Ctrl-C to stop.', '');
  process.stdout.write(lines.join('\n'));
  step('ready', api);
} catch (err) {
  process.stderr.write(`[eucora] start failed: ${err.message}\n`);
  await shutdown(1);
}
