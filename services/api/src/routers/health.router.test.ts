import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, readFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { createMinioClient, ensureEvidenceBucket } from '@eucora/runtime';
import { createTestTenant, eventually, startTestApi } from '../test-support/test-stack';

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

/** This file runs its own real MinIO so stopping it cannot disturb other test files. */
describe('health: real dependencies, and MinIO going down and coming back', () => {
  const bin = process.env.EUCORA_TEST_MINIO_BIN!;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'eucora-health-minio-'));
  const creds = { MINIO_ROOT_USER: 'health-test', MINIO_ROOT_PASSWORD: 'health-test-secret' };
  let port: number;
  let consolePort: number;
  let minio: ChildProcess | undefined;
  let api: Awaited<ReturnType<typeof startTestApi>>;

  const startMinio = async () => {
    minio = spawn(bin, ['server', dir, '--address', `127.0.0.1:${port}`, '--console-address', `127.0.0.1:${consolePort}`, '--quiet'], {
      env: { ...process.env, ...creds },
      stdio: 'ignore',
    });
    await eventually(async () => (await fetch(`http://127.0.0.1:${port}/minio/health/live`)).ok, 30_000);
  };
  const stopMinio = () =>
    new Promise<void>((resolve) => {
      if (!minio || minio.exitCode !== null) return resolve();
      minio.once('exit', () => resolve());
      minio.kill('SIGTERM');
    });

  before(async () => {
    [port, consolePort] = [await freePort(), await freePort()];
    await startMinio();
    const overrides = {
      S3_ENDPOINT: `http://127.0.0.1:${port}`,
      S3_ACCESS_KEY: creds.MINIO_ROOT_USER,
      S3_SECRET_KEY: creds.MINIO_ROOT_PASSWORD,
      S3_BUCKET: 'health-test',
    };
    api = await startTestApi(overrides);
    await ensureEvidenceBucket(createMinioClient(api.config), 'health-test', api.config.S3_REGION);
  });
  after(async () => {
    await api.close();
    await stopMinio();
    rmSync(dir, { recursive: true, force: true });
  });

  it('live and version answer without auth, with the package.json version', async () => {
    const version = JSON.parse(readFileSync(path.resolve(__dirname, '../../../../package.json'), 'utf8')).version;
    const live = await request(api.app).get('/api/v1/health/live');
    assert.equal(live.status, 200);
    assert.equal(live.body.version, version);
    const v = await request(api.app).get('/api/v1/version');
    assert.equal(v.body.version, version);
  });

  it('/metrics serves Prometheus text with the version and per-route latency (no ids in labels)', async () => {
    await request(api.app).get('/api/v1/version');
    await request(api.app).get('/api/v1/deployment-intents/00000000-0000-4000-8000-000000000000');
    assert.equal((await request(api.app).get('/metrics')).status, 401, '/metrics is not public (issue 8, finding 7)');
    const sre = await (await createTestTenant(api.ds)).issue(['sre']);
    const m = await request(api.app).get('/metrics').set('Authorization', `Bearer ${sre}`);
    assert.equal(m.status, 200);
    assert.match(m.headers['content-type'] ?? '', /text\/plain/);
    assert.match(m.text, /eucora_info\{version="\d+\.\d+\.\d+"\} 1/);
    assert.match(m.text, /eucora_http_request_duration_seconds_count\{method="GET",route="\/api\/v1\/version",status="200"\} \d+/);
    assert.ok(!m.text.includes('00000000-0000-4000-8000-000000000000'), 'no raw ids in labels');
    assert.match(m.text, /eucora_intents|# HELP eucora_intents/);
  });

  it('200 with every dependency up and a latency each', async () => {
    const res = await request(api.app).get('/api/v1/health');
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.status, 'ok');
    for (const dep of ['database', 'temporal', 'objectStore']) {
      assert.equal(res.body.dependencies[dep].status, 'up', dep);
      assert.equal(typeof res.body.dependencies[dep].latencyMs, 'number');
    }
  });

  it('MinIO stopped → 503 naming objectStore within 5 s; started again → 200', async () => {
    await stopMinio();
    const t0 = Date.now();
    const down = await eventually(
      async () => {
        const r = await request(api.app).get('/api/v1/health');
        return r.status === 503 ? r : null;
      },
      5000,
      100,
    );
    assert.ok(Date.now() - t0 < 5000);
    assert.equal(down.body.status, 'degraded');
    assert.equal(down.body.dependencies.objectStore.status, 'down');
    assert.equal(down.body.dependencies.database.status, 'up');
    assert.ok(!JSON.stringify(down.body).includes(creds.MINIO_ROOT_PASSWORD));

    await startMinio();
    const up = await eventually(
      async () => {
        const r = await request(api.app).get('/api/v1/health');
        return r.status === 200 ? r : null;
      },
      10_000,
      200,
    );
    assert.equal(up.body.dependencies.objectStore.status, 'up');
  });

  it('an unreachable Temporal is reported down quickly, not hung', async () => {
    const deadPort = await freePort();
    const broken = await startTestApi({
      TEMPORAL_ADDRESS: `127.0.0.1:${deadPort}`,
      HEALTH_TIMEOUT_MS: '1000',
      S3_ENDPOINT: api.config.S3_ENDPOINT,
      S3_ACCESS_KEY: creds.MINIO_ROOT_USER,
      S3_SECRET_KEY: creds.MINIO_ROOT_PASSWORD,
      S3_BUCKET: 'health-test',
    });
    try {
      const t0 = Date.now();
      const res = await request(broken.app).get('/api/v1/health');
      assert.ok(Date.now() - t0 < 3000, 'bounded by the health timeout');
      assert.equal(res.status, 503);
      assert.equal(res.body.dependencies.temporal.status, 'down');
    } finally {
      await broken.close();
    }
  });
});
