import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import request from 'supertest';
import type { DeployArtifact } from '@eucora/connectors';
import { createMinioClient, MinioArtifactStore } from '@eucora/runtime';
import { MinioArtifactContentSource } from './adapters/minio-artifact-content-source';
import { sampleIntent } from '@eucora/api/dist/test-support/test-stack';
import { eventually, type Harness, killHard, types, useHarness } from './test-support/lifecycle-harness';

const art = (name: string, extra: Record<string, unknown>) => ({ ...(sampleIntent().artifact as object), name, ...extra });

/** Artifact bytes from upload to Intune: content store, policy on unverified bytes, and a kill -9 during the block upload. */
describe('artifact content → Intune Win32 content upload (real stack, worker process, Intune simulator)', () => {
  let h: Harness;
  let child: ChildProcess | undefined;
  const upload = (body: Buffer, declared?: string) => {
    const r = request(h.api.app)
      .post('/api/v1/artifacts')
      .set('Authorization', `Bearer ${h.rel}`)
      .set('Content-Type', 'application/octet-stream')
      .set('X-File-Name', 'setup.exe');
    return (declared ? r.set('X-Artifact-SHA256', declared) : r).send(body);
  };
  const pack = async (intentId: string) => {
    const list = await request(h.api.app).get(`/api/v1/evidence-packs?intent=${intentId}`).set('Authorization', `Bearer ${h.auditor}`);
    const latest = list.body.items[list.body.items.length - 1]; // ordered by version
    const content = await request(h.api.app).get(`/api/v1/evidence-packs/${latest.id}/content`).set('Authorization', `Bearer ${h.auditor}`);
    return JSON.parse(content.text);
  };

  useHarness({ installDurationMs: 100, worker: false }, (started) => (h = started));

  it('an upload keeps the bytes under <tenant>/sha256/<hex>; a wrong declared hash is 400 and keeps nothing', async () => {
    const bytes = randomBytes(2 * 1024 * 1024 + 5);
    const sha = createHash('sha256').update(bytes).digest('hex');
    assert.equal((await upload(bytes, 'NOT-HEX')).status, 400, 'a malformed declared hash');
    const bad = await upload(bytes, 'f'.repeat(64));
    assert.equal(bad.status, 400);
    assert.match(String(bad.headers['content-type']), /application\/problem\+json/);
    const minio = createMinioClient(h.api.config);
    const key = `${h.tenant.tenantId}/sha256/${sha}`;
    await assert.rejects(minio.statObject(h.api.config.S3_ARTIFACT_BUCKET, key), 'nothing kept after a mismatch');
    const up = await upload(bytes, sha);
    assert.equal(up.status, 201, JSON.stringify(up.body));
    assert.deepEqual(up.body.stored, { bucket: h.api.config.S3_ARTIFACT_BUCKET, key });
    const stored = createHash('sha256');
    for await (const c of await minio.getObject(h.api.config.S3_ARTIFACT_BUCKET, key)) stored.update(c as Buffer);
    assert.equal(stored.digest('hex'), sha, 'the stored bytes are the uploaded bytes');
    const tmp: string[] = [];
    for await (const o of minio.listObjectsV2(h.api.config.S3_ARTIFACT_BUCKET, `${h.tenant.tenantId}/tmp/`, true))
      tmp.push((o as { name: string }).name);
    assert.deepEqual(tmp, [], 'no temporary objects left');
    // What connectors get (i9-planes' Jamf upload reads it too): a fresh stream, and a presigned GET of the same bytes.
    const content = await new MinioArtifactContentSource(new MinioArtifactStore(minio, h.api.config.S3_ARTIFACT_BUCKET)).get(
      h.tenant.tenantId,
      {
        ...(sampleIntent().artifact as DeployArtifact),
        sha256: sha,
      },
    );
    assert.ok(content);
    assert.equal(content.sizeBytes, bytes.length);
    const viaUrl = Buffer.from(await (await fetch(await content.downloadUrl(60))).arrayBuffer());
    assert.equal(createHash('sha256').update(viaUrl).digest('hex'), sha);
    const viaOpen = createHash('sha256');
    for await (const c of await content.open()) viaOpen.update(c as Buffer);
    assert.equal(viaOpen.digest('hex'), sha);
    assert.equal(
      await new MinioArtifactContentSource(new MinioArtifactStore(minio, h.api.config.S3_ARTIFACT_BUCKET)).get(h.tenant.tenantId, {
        ...(sampleIntent().artifact as DeployArtifact),
        sha256: 'f'.repeat(64),
      }),
      undefined,
      'no content for bytes never verified',
    );
  });

  it('wrong SHA-256 of the uploaded bytes → policy deny before anything reaches the plane (zero mobileApps requests)', async () => {
    h.sim.reset();
    child = h.spawnWorkerProcess();
    try {
      const up = await upload(randomBytes(4096));
      const { id } = await h.submit({ title: 'Wrong hash', artifact: art('WrongHash', { sha256: 'e'.repeat(64), checkId: up.body.id }) });
      const done = await h.waitForState(id, ['blocked', 'completed', 'failed']);
      assert.equal(done.body.state, 'blocked');
      assert.match(done.body.timeline.find((e: { type: string }) => e.type === 'intent.blocked').reason, /does not match/);
      assert.equal(h.sim.getStats().mobileAppsRequests, 0);
    } finally {
      await killHard(child);
      child = undefined;
    }
  });

  it('kill -9 of the worker during the block upload: a restart resumes into the same content file, one app, then completes', async () => {
    const bytes = randomBytes(30 * 1024 * 1024);
    const sha = createHash('sha256').update(bytes).digest('hex');
    const up = await upload(bytes, sha);
    assert.equal(up.status, 201);
    h.sim.reset();
    h.sim.content.blockDelayMs = 400; // slow storage: the upload lasts a few seconds, so the kill lands inside it
    child = h.spawnWorkerProcess();
    const { id } = await h.submit({
      title: 'Crash during upload',
      artifact: art('CrashUpload', { sha256: sha, sizeBytes: bytes.length, checkId: up.body.id }),
    });
    await eventually(async () => h.sim.getStats().blocksPut >= 2, 60_000, 50);
    await killHard(child);
    const atKill = h.sim.getStats();
    assert.equal(atKill.committedFiles, 0, 'killed before the commit');
    h.sim.content.blockDelayMs = 0;
    const t0 = Date.now();
    child = h.spawnWorkerProcess();
    const done = await h.waitForState(id, ['completed', 'failed', 'rolled_back', 'blocked'], 180_000);
    assert.equal(done.body.state, 'completed', JSON.stringify(types(done)));
    const s = h.sim.getStats();
    const appId = done.body.timeline.find((e: { type: string }) => e.type === 'ring.deployed').data.objectIds.appId as string;
    assert.deepEqual(
      Object.entries(s.appsByDisplayName)
        .filter(([n]) => n.includes(id))
        .map(([, n]) => n),
      [1],
      'one app',
    );
    assert.equal(s.contentVersionsByApp[appId], 1, 'one content version');
    assert.equal(s.contentFilesByApp[appId], 1, 'one content file');
    assert.equal(s.committedFiles, 1);
    assert.ok(s.renewals >= 1, 'the resumed upload renewed its SAS');
    const adds = Object.entries(s.requiredAssignmentAdds).filter(([k]) => k.startsWith(appId));
    assert.equal(adds.length, 4);
    assert.ok(adds.every(([, n]) => n === 1));
    // The installer keeps its uploaded name (X-File-Name) inside the package: install commands refer to it.
    const form = new URLSearchParams({ grant_type: 'client_credentials', client_id: h.sim.clientId, client_secret: h.sim.clientSecret });
    const tok = (await (await fetch(`${h.simUrl}/t/oauth2/v2.0/token`, { method: 'POST', body: form })).json()) as { access_token: string };
    const graphApp = await fetch(`${h.simUrl}/beta/deviceAppManagement/mobileApps/${appId}`, {
      headers: { authorization: `Bearer ${tok.access_token}` },
    });
    assert.equal(((await graphApp.json()) as { setupFilePath: string }).setupFilePath, 'setup.exe');
    const p = await pack(id);
    assert.equal(p.artifact.verifiedSha256, sha);
    assert.deepEqual(p.artifact.stored, {
      bucket: h.api.config.S3_ARTIFACT_BUCKET,
      key: `${h.tenant.tenantId}/sha256/${sha}`,
      sizeBytes: bytes.length,
    });
    assert.equal(p.artifact.deliveries.length, 4);
    assert.equal(p.artifact.deliveries[0].objectIds.contentFileId, p.artifact.deliveries[3].objectIds.contentFileId);
    console.log(
      `intune crash-resume: blocks before kill ${atKill.blocksPut}, blocks total ${s.blocksPut}, bytes ${s.blockBytesPut}, ` +
        `renewals ${s.renewals}, restart → completed ${Date.now() - t0} ms`,
    );
  });
});

describe('production policy: unverified artifact bytes are denied (ARTIFACT_UNVERIFIED=deny)', () => {
  let h: Harness;
  useHarness({ installDurationMs: 20, unverified: true, env: { ARTIFACT_UNVERIFIED: 'deny' } }, (started) => (h = started));

  it('an intent without checked bytes is blocked with the reason, and the plane sees nothing', async () => {
    const { id } = await h.submit({ title: 'Unverified', artifact: art('Unverified', {}) });
    const done = await h.waitForState(id, ['blocked', 'completed', 'failed']);
    assert.equal(done.body.state, 'blocked');
    assert.match(done.body.timeline.find((e: { type: string }) => e.type === 'intent.blocked').reason, /never verified/);
    assert.equal(h.sim.getStats().mobileAppsRequests, 0);
  });
});
