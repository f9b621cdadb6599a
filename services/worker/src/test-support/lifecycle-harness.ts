// Integration harness for lifecycle tests: a real API runtime and a real worker against the test stack's PostgreSQL,
// Temporal and MinIO, plus the Intune simulator over real HTTP.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before } from 'node:test';
import request from 'supertest';
import { temporal } from '@temporalio/proto';
import type { NativeConnection, Worker } from '@temporalio/worker';
import { IntuneSimulator } from '@eucora/agent-sim';
import { createTestTenant, eventually, sampleIntent, startTestApi, type TestTenant } from '@eucora/api/dist/test-support/test-stack';
import { createLogger } from '@eucora/runtime';
import { installTemporalLogging } from '../temporal-logging';
import { createIntentWorker } from '../worker';

export interface Harness {
  api: Awaited<ReturnType<typeof startTestApi>>;
  sim: IntuneSimulator;
  simUrl: string;
  taskQueue: string;
  env: Record<string, string>;
  tenant: TestTenant;
  rel: string;
  cm1: string;
  cm2: string;
  secReviewer: string;
  auditor: string;
  startWorker(): Promise<void>;
  stopWorker(): Promise<void>;
  /** A real worker process (`main.js`) on this harness's settings, for tests that `kill -9` it; `close()` kills any left. */
  spawnWorkerProcess(): ChildProcess;
  close(): Promise<void>;
  submit(overrides?: Record<string, unknown>, token?: string): Promise<{ id: string; workflowId: string }>;
  /** POSTs an intent body as given (fresh Idempotency-Key, no artifact upload) and returns the raw response, e.g. a refusal. */
  postIntent(body: object, token?: string): Promise<request.Response>;
  get(id: string, token?: string): Promise<request.Response>;
  /** The CAB queue's item for an intent (pending ones by default), as the first change manager sees it; undefined if none. */
  cabItem(intentId: string): Promise<request.Response['body']>;
  waitForState(id: string, states: string[], timeoutMs?: number): Promise<request.Response>;
  waitForEvent(id: string, type: string, timeoutMs?: number): Promise<request.Response>;
  saveHistory(workflowId: string, name: string): Promise<void>;
}

/**
 * What `startHarness` starts: `installDurationMs` (default 200) per simulated install, `fleetSize` (default 1000) Intune devices,
 * extra `env` for API and worker, `allowUrls`: loopback simulator URLs that tenants may configure as planes (the outbound policy
 * refuses loopback otherwise), `unverified`: submit intents without artifact bytes (default false: each submit uploads a
 * stand-in installer first).
 */
export interface HarnessOptions {
  installDurationMs?: number;
  fleetSize?: number;
  env?: Record<string, string>;
  allowUrls?: string[];
  unverified?: boolean;
}

let runtimeInstalled = false;

/** Starts everything; `sim` installs finish within `installDurationMs`. */
export async function startHarness(opts: HarnessOptions = {}): Promise<Harness> {
  if (!runtimeInstalled) {
    installTemporalLogging(createLogger({ service: 'worker', level: process.env.LOG_LEVEL ?? 'silent' }), 'warn');
    runtimeInstalled = true;
  }
  const sim = new IntuneSimulator({ size: opts.fleetSize ?? 1000, labSize: 10 });
  sim.engine.config.installDurationMs = opts.installDurationMs ?? 200;
  const simUrl = await sim.listen(0);
  const taskQueue = `lifecycle-${randomUUID()}`;
  const env = {
    TEMPORAL_TASK_QUEUE: taskQueue,
    INTUNE_GRAPH_URL: simUrl,
    INTUNE_CLIENT_ID: sim.clientId,
    INTUNE_CLIENT_SECRET: sim.clientSecret,
    RING_POLL_INITIAL_MS: '100',
    RING_POLL_MAX_MS: '400',
    ...outboundAllow(opts.allowUrls ?? []),
    ...(opts.env ?? {}),
  };
  const api = await startTestApi(env);
  const tenant = await createTestTenant(api.ds);
  let worker: Worker | undefined;
  let connection: NativeConnection | undefined;
  let running: Promise<void> | undefined;
  const processes: ChildProcess[] = [];

  const h: Harness = {
    api,
    sim,
    simUrl,
    taskQueue,
    env,
    tenant,
    rel: await tenant.issue(['release_engineer'], 'rita-release'),
    cm1: await tenant.issue(['change_manager'], 'carl-cab'),
    cm2: await tenant.issue(['change_manager'], 'cora-cab'),
    secReviewer: await tenant.issue(['security_reviewer'], 'sam-security'),
    auditor: await tenant.issue(['auditor'], 'aude-auditor'),
    async startWorker() {
      ({ worker, connection } = await createIntentWorker({ config: api.config, ds: api.ds, taskQueue }));
      running = worker.run();
    },
    async stopWorker() {
      if (!worker) return;
      worker.shutdown();
      await running;
      await connection?.close();
      worker = undefined;
    },
    spawnWorkerProcess() {
      const child = spawn(process.execPath, [path.resolve(__dirname, '../main.js')], {
        env: { ...process.env, ...env, LOG_LEVEL: 'warn' },
        stdio: ['ignore', 'ignore', 'inherit'],
      });
      processes.push(child);
      return child;
    },
    async close() {
      for (const child of processes) child.kill('SIGKILL');
      await h.stopWorker();
      await api.close();
      await sim.close();
    },
    async submit(overrides = {}, token = h.rel) {
      const intent = sampleIntent(overrides) as { artifact: Record<string, unknown> };
      if (!intent.artifact.checkId && !intent.artifact.sourceUrl && !opts.unverified) {
        // Planes get real bytes (Intune uploads them): a small stand-in installer per artifact, uploaded and referenced.
        const label = `${String(intent.artifact.name)} ${String(intent.artifact.version)}`;
        const bytes = Buffer.from(`MZ stand-in installer for ${label}\n`.repeat(64));
        const up = await request(api.app)
          .post('/api/v1/artifacts')
          .set('Authorization', `Bearer ${token}`)
          .set('Content-Type', 'application/octet-stream')
          .send(bytes);
        if (up.status !== 201) throw new Error(`artifact upload failed ${up.status}: ${JSON.stringify(up.body)}`);
        intent.artifact = { ...intent.artifact, sha256: up.body.sha256, sizeBytes: up.body.sizeBytes, checkId: up.body.id };
      }
      const res = await h.postIntent(intent, token);
      if (res.status !== 201) throw new Error(`submit failed ${res.status}: ${JSON.stringify(res.body)}`);
      return { id: res.body.id, workflowId: res.body.workflowId };
    },
    postIntent: (body, token = h.rel) =>
      request(api.app)
        .post('/api/v1/deployment-intents')
        .set('Authorization', `Bearer ${token}`)
        .set('Idempotency-Key', `k-${randomUUID()}`)
        .send(body),
    get: (id, token = h.rel) => request(api.app).get(`/api/v1/deployment-intents/${id}`).set('Authorization', `Bearer ${token}`),
    async cabItem(intentId) {
      const list = await request(api.app).get('/api/v1/cab/items').set('Authorization', `Bearer ${h.cm1}`);
      return list.body.items.find((i: { intentId: string }) => i.intentId === intentId);
    },
    async waitForState(id, states, timeoutMs = 60_000) {
      return eventually(
        async () => {
          const r = await h.get(id);
          return states.includes(r.body.state) ? r : null;
        },
        timeoutMs,
        150,
      );
    },
    async waitForEvent(id, type, timeoutMs = 60_000) {
      return eventually(
        async () => {
          const r = await h.get(id);
          return r.body.timeline?.some((e: { type: string }) => e.type === type) ? r : null;
        },
        timeoutMs,
        150,
      );
    },
    async saveHistory(workflowId, name) {
      // Replay fixtures are refreshed only on request (EUCORA_RECORD_HISTORIES=1); the committed ones are replayed by replay.test.
      if (process.env.EUCORA_RECORD_HISTORIES !== '1') return;
      const history = await api.client.workflow.getHandle(workflowId).fetchHistory();
      const dir = path.resolve(__dirname, '../../../../workflows/test-fixtures/histories');
      mkdirSync(dir, { recursive: true });
      const History = temporal.api.history.v1.History;
      const obj = History.toObject(History.fromObject(history), { longs: String, enums: String, bytes: String, defaults: false });
      writeFileSync(path.join(dir, `${name}.json`), JSON.stringify(obj));
    },
  };
  return h;
}

/**
 * Hooks the enclosing suite: `before` starts a harness with its in-process worker running (`worker: false` leaves the worker to
 * the test, e.g. a `spawnWorkerProcess()` to kill) and hands it to `set`; `after` closes it.
 */
export function useHarness(opts: HarnessOptions & { worker?: boolean }, set: (h: Harness) => void): void {
  let h: Harness | undefined;
  before(async () => {
    h = await startHarness(opts);
    if (opts.worker !== false) await h.startWorker();
    set(h);
  });
  after(async () => h?.close());
}

/** Kills a worker process without a chance to clean up and waits until it is gone. */
export async function killHard(child: ChildProcess): Promise<void> {
  child.kill('SIGKILL');
  await new Promise((r) => child.once('exit', r));
}

/** A Contoso MSI named `name` (version 1.0.0, installed under Program Files); override any field per test. */
export function msiArtifact(name: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name,
    version: '1.0.0',
    publisher: 'Contoso',
    platform: 'windows',
    format: 'msi',
    sha256: 'b'.repeat(64),
    sizeBytes: 2_000_000,
    installCommand: `msiexec /i ${name}.msi /qn`,
    uninstallCommand: `msiexec /x ${name}.msi /qn`,
    detectionRule: { type: 'file', value: `C:\\Program Files\\${name}\\${name}.exe` },
    ...overrides,
  };
}

/** The operator settings that let `urls` (loopback simulators) through the outbound-URL policy, by exact host:port. */
export function outboundAllow(urls: string[]): Record<string, string> {
  const hosts = urls.map((u) => new URL(u).host).join(',');
  return { EUCORA_OUTBOUND_ALLOW_HTTP_HOSTS: hosts, EUCORA_OUTBOUND_ALLOW_HOSTS: hosts };
}

/** A supertest parser that keeps the body as the exact bytes served (evidence packs are checked against their hash). */
export function asBytes(res: request.Response, cb: (err: Error | null, body: Buffer) => void): void {
  const chunks: Buffer[] = [];
  res.on('data', (c: Buffer) => chunks.push(c));
  res.on('end', () => cb(null, Buffer.concat(chunks)));
}

/** Event types of a response's timeline, in order. */
export function types(res: request.Response): string[] {
  return res.body.timeline.map((e: { type: string }) => e.type);
}

export { eventually };
