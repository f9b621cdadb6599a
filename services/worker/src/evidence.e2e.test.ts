import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { createMinioClient, rotateKeyring } from '@eucora/runtime';
import { asBytes, type Harness, startHarness } from './test-support/lifecycle-harness';

const CLI = path.resolve(__dirname, '../../api/dist/eucora.js');

/** Evidence packs against real MinIO: WORM storage, signatures, the auditor API and the offline CLI. */
describe('evidence packs: WORM storage, signatures, auditor API and offline verification', () => {
  let h: Harness;
  let base: string;
  let server: ReturnType<Harness['api']['app']['listen']>;
  let intentId: string;
  let packs: { id: string; version: number; objectKey: string; versionId: string; bucket: string; sha256: string }[];
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'eucora-evidence-'));

  before(async () => {
    h = await startHarness({ installDurationMs: 50 });
    await h.startWorker();
    server = h.api.app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    ({ id: intentId } = await h.submit({
      title: 'Evidence run',
      artifact: {
        name: 'EvidencePkg',
        version: '3.0.0',
        publisher: 'Contoso',
        platform: 'windows',
        format: 'msi',
        sha256: 'd'.repeat(64),
        sizeBytes: 1000,
        installCommand: 'i',
        uninstallCommand: 'u',
        detectionRule: { type: 'file', value: 'C:\\x' },
      },
    }));
    await h.waitForState(intentId, ['completed']);
    const list = await request(h.api.app).get(`/api/v1/evidence-packs?intent=${intentId}`).set('Authorization', `Bearer ${h.auditor}`);
    packs = list.body.items;
  });
  after(async () => {
    server.close();
    await h.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  // Asynchronous on purpose: the API under test runs in this process, a synchronous spawn would block it.
  const cli = (...args: string[]) =>
    new Promise<{ status: number; stdout: string; stderr: string }>((resolve) => {
      execFile(
        process.execPath,
        [CLI, ...args],
        { env: { ...process.env, EUCORA_API_URL: base, EUCORA_TOKEN: h.auditor } },
        (err, stdout, stderr) => resolve({ status: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
    });

  it('stores chained versions with readable retention', async () => {
    assert.ok(packs.length >= 2);
    assert.deepEqual(
      packs.map((p) => p.version),
      packs.map((_, i) => i + 1),
    );
    const meta = await request(h.api.app).get(`/api/v1/evidence-packs/${packs[0]!.id}`).set('Authorization', `Bearer ${h.auditor}`);
    assert.equal(meta.body.retention.mode, 'GOVERNANCE');
    assert.ok(Date.parse(meta.body.retention.retainUntil) > Date.now());
    assert.match(meta.body.signature, /^[A-Za-z0-9+/=]{80,}$/);
    assert.equal(meta.body.manifest.packSha256, packs[0]!.sha256);
    assert.equal(packs[0]!.objectKey, `${h.tenant.tenantId}/${intentId}/${packs[0]!.sha256}.json`);
    // The typings list a void overload first; the call returns the lock configuration.
    const lock = await (createMinioClient(h.api.config).getObjectLockConfig(h.api.config.S3_BUCKET) as unknown as Promise<{
      objectLockEnabled: string;
      mode: string;
      unit: string;
      validity: number;
    }>);
    assert.equal(lock.objectLockEnabled, 'Enabled');
    assert.deepEqual([lock.mode, lock.unit, lock.validity], ['GOVERNANCE', 'Days', 1]);
  });

  it('MinIO itself refuses to delete the locked version; a PUT to the key cannot replace what is served', async () => {
    const minio = createMinioClient(h.api.config);
    const p = packs[0]!;
    await assert.rejects(minio.removeObject(p.bucket, p.objectKey, { versionId: p.versionId }), (err: Error & { code?: string }) => {
      assert.match(`${err.code} ${err.message}`, /AccessDenied|WORM|retention|locked/i);
      return true;
    });
    await minio.putObject(p.bucket, p.objectKey, Buffer.from('{"forged":true}'));
    const content = await request(h.api.app)
      .get(`/api/v1/evidence-packs/${p.id}/content`)
      .set('Authorization', `Bearer ${h.auditor}`)
      .buffer(true)
      .parse(asBytes);
    assert.equal(content.headers['x-content-sha256'], p.sha256);
    const verify = await request(h.api.app).get(`/api/v1/evidence-packs/${p.id}/verify`).set('Authorization', `Bearer ${h.auditor}`);
    assert.equal(verify.body.ok, true, JSON.stringify(verify.body));
  });

  it('pulls with the CLI and verifies offline; one changed byte and a wrong key both fail with the reason', async () => {
    const last = packs.at(-1)!;
    const dir = path.join(tmp, 'pulled');
    const pull = await cli('evidence', 'pull', last.id, '--out', dir);
    assert.equal(pull.status, 0, pull.stderr);
    const ok = await cli('evidence', 'verify', dir);
    assert.equal(ok.status, 0, ok.stdout);
    assert.match(ok.stdout, /PASS chain/);

    const bytes = readFileSync(path.join(dir, 'pack.json'));
    bytes[bytes.length - 2] = bytes[bytes.length - 2] === 0x30 ? 0x31 : 0x30;
    writeFileSync(path.join(dir, 'pack.json'), bytes);
    const tampered = await cli('evidence', 'verify', dir);
    assert.equal(tampered.status, 1);
    assert.match(tampered.stdout, /FAIL pack_hash: pack SHA-256 mismatch/);

    const dir2 = path.join(tmp, 'pulled2');
    assert.equal((await cli('evidence', 'pull', last.id, '--out', dir2)).status, 0);
    const wrongKey = path.join(tmp, 'wrong.pem');
    writeFileSync(wrongKey, generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }).toString());
    const wrong = await cli('evidence', 'verify', dir2, '--public-key', wrongKey);
    assert.equal(wrong.status, 1);
    assert.match(wrong.stdout, /FAIL signature/);
  });

  it('rotation: new packs use the new key, old packs still verify with the published old key', async () => {
    const before = await request(h.api.app).get('/api/v1/evidence/signing-keys');
    assert.equal(before.body.keys.length, 1);
    const newKeyId = rotateKeyring(process.env.EVIDENCE_SIGNING_KEY_FILE!);
    // The worker loads its keyring at start: restart it to pick up the rotation.
    await h.stopWorker();
    await h.startWorker();
    const { id } = await h.submit({
      title: 'After rotation',
      artifact: {
        name: 'RotatedPkg',
        version: '1',
        publisher: 'Contoso',
        platform: 'windows',
        format: 'msi',
        sha256: 'e'.repeat(64),
        sizeBytes: 1,
        installCommand: 'i',
        uninstallCommand: 'u',
        detectionRule: { type: 'file', value: 'C:\\y' },
      },
    });
    await h.waitForState(id, ['completed']);
    const after = await request(h.api.app).get('/api/v1/evidence/signing-keys');
    assert.equal(after.body.keys.length, 2);
    assert.equal(after.body.keys.find((k: { active: boolean }) => k.active).keyId, newKeyId);
    const newPacks = (await request(h.api.app).get(`/api/v1/evidence-packs?intent=${id}`).set('Authorization', `Bearer ${h.auditor}`)).body
      .items;
    assert.equal(newPacks[0].keyId, newKeyId);
    const old = await request(h.api.app).get(`/api/v1/evidence-packs/${packs[0]!.id}/verify`).set('Authorization', `Bearer ${h.auditor}`);
    assert.equal(old.body.ok, true);
    assert.notEqual(packs[0]!.id, newPacks[0].id);
  });

  it("the app's storage key cannot delete a pack version or shorten its lock, even with governanceBypass; root could", async () => {
    const app = createMinioClient(h.api.config);
    const root = createMinioClient({
      ...h.api.config,
      S3_ACCESS_KEY: process.env.EUCORA_TEST_S3_ROOT_ACCESS_KEY!,
      S3_SECRET_KEY: process.env.EUCORA_TEST_S3_ROOT_SECRET_KEY!,
    });
    assert.notEqual(h.api.config.S3_ACCESS_KEY, process.env.EUCORA_TEST_S3_ROOT_ACCESS_KEY, 'the API runs with the app user, not root');
    const p = packs[0]!;
    const before = await app.getObjectRetention(p.bucket, p.objectKey, { versionId: p.versionId });
    const denied = (err: Error & { code?: string }) => (assert.equal(err.code, 'AccessDenied', `${err.code} ${err.message}`), true);
    await assert.rejects(app.removeObject(p.bucket, p.objectKey, { versionId: p.versionId, governanceBypass: true }), denied);
    const shorter = new Date(Date.now() + 60_000).toISOString();
    const shorten = (versionId: string) => ({ versionId, mode: 'GOVERNANCE' as never, retainUntilDate: shorter, governanceBypass: true });
    await assert.rejects(app.putObjectRetention(p.bucket, p.objectKey, shorten(p.versionId)), denied);
    await assert.rejects(app.removeObject(p.bucket, p.objectKey), denied, 'not even a delete marker');
    const lock = { mode: 'GOVERNANCE' as never, unit: 'Days' as never, validity: 1 };
    const lockChange = app.setObjectLockConfig(p.bucket, lock) as unknown as Promise<void>;
    await assert.rejects(lockChange, denied);
    assert.deepEqual(await app.getObjectRetention(p.bucket, p.objectKey, { versionId: p.versionId }), before);

    // Even root cannot delete a locked version without the bypass header: the object lock itself holds.
    const victim = packs.at(-1)!;
    const locked = (err: Error & { code?: string }) => (
      assert.match(`${err.code} ${err.message}`, /AccessDenied|WORM|retention|locked/i),
      true
    );
    await assert.rejects(root.removeObject(victim.bucket, victim.objectKey, { versionId: victim.versionId }), locked);
    // With the bypass, the root keys (setup only) succeed: the app's refusals above are its policy, not a broken call.
    await root.putObjectRetention(victim.bucket, victim.objectKey, shorten(victim.versionId));
    const shortened = await root.getObjectRetention(victim.bucket, victim.objectKey, { versionId: victim.versionId });
    assert.equal(new Date(shortened!.retainUntilDate!).toISOString(), shorter);
    await root.removeObject(victim.bucket, victim.objectKey, { versionId: victim.versionId, governanceBypass: true });

    // A pack whose stored bytes are gone: /verify is a verdict (200, ok:false, storage failed), /content a problem.
    const verify = await request(h.api.app).get(`/api/v1/evidence-packs/${victim.id}/verify`).set('Authorization', `Bearer ${h.auditor}`);
    assert.equal(verify.status, 200, JSON.stringify(verify.body));
    assert.equal(verify.body.ok, false);
    const storage = verify.body.checks.find((c: { name: string }) => c.name === 'storage');
    assert.equal(storage.ok, false);
    assert.match(storage.detail, /cannot be read \((NoSuchVersion|NoSuchKey)\)/);
    const content = await request(h.api.app).get(`/api/v1/evidence-packs/${victim.id}/content`).set('Authorization', `Bearer ${h.auditor}`);
    assert.equal(content.status, 502);
    assert.match(content.headers['content-type'] ?? '', /application\/problem\+json/);
    assert.equal(content.body.type, 'https://eucora.dev/problems/evidence-storage-unavailable');
    assert.match(content.body.detail, /cannot be served \((NoSuchVersion|NoSuchKey)\)/);
    // The other packs are untouched.
    const other = await request(h.api.app).get(`/api/v1/evidence-packs/${p.id}/verify`).set('Authorization', `Bearer ${h.auditor}`);
    assert.equal(other.body.ok, true);
  });
});
