import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { sampleIntent } from '@eucora/api/dist/test-support/test-stack';
import { startHarness, type Harness } from './test-support/lifecycle-harness';

const bytes = randomBytes(3 * 1024 * 1024 + 17);
const sha = createHash('sha256').update(bytes).digest('hex');

describe('artifact check, SBOM intake and the policy deny on a hash mismatch', () => {
  let h: Harness;
  let origin: http.Server;
  let originUrl: string;

  before(async () => {
    origin = http.createServer((req, res) => {
      if (req.url === '/pkg.msi') {
        res.writeHead(200, { 'content-type': 'application/octet-stream' });
        res.end(bytes);
      } else res.writeHead(404).end();
    });
    await new Promise<void>((r) => origin.listen(0, '127.0.0.1', () => r()));
    originUrl = `http://127.0.0.1:${(origin.address() as AddressInfo).port}/pkg.msi`;
    h = await startHarness({
      installDurationMs: 20,
      env: { ARTIFACT_URL_ALLOWLIST: '127.0.0.1', ARTIFACT_MAX_BYTES: String(8 * 1024 * 1024) },
    });
    await h.startWorker();
  });
  after(async () => {
    await h.close();
    origin.close();
  });

  const art = (name: string, extra: Record<string, unknown>) => ({ ...(sampleIntent().artifact as object), name, ...extra });
  const upload = (body: Buffer) =>
    request(h.api.app)
      .post('/api/v1/artifacts')
      .set('Authorization', `Bearer ${h.rel}`)
      .set('Content-Type', 'application/octet-stream')
      .set('X-File-Name', 'pkg.msi')
      .send(body);
  const pack = async (intentId: string) => {
    const list = await request(h.api.app).get(`/api/v1/evidence-packs?intent=${intentId}`).set('Authorization', `Bearer ${h.auditor}`);
    const content = await request(h.api.app)
      .get(`/api/v1/evidence-packs/${list.body.items[0].id}/content`)
      .set('Authorization', `Bearer ${h.auditor}`);
    return JSON.parse(content.text);
  };

  it('an upload is hashed as it streams; a matching declared hash deploys and the pack records the check', async () => {
    const up = await upload(bytes);
    assert.equal(up.status, 201, JSON.stringify(up.body));
    assert.equal(up.body.sha256, sha);
    assert.equal(up.body.sizeBytes, bytes.length);
    const { id } = await h.submit({ title: 'Checked upload', artifact: art('UploadOk', { sha256: sha, checkId: up.body.id }) });
    const done = await h.waitForState(id, ['completed', 'blocked', 'failed']);
    assert.equal(done.body.state, 'completed');
    const p = await pack(id);
    assert.equal(p.artifact.verifiedSha256, sha);
    assert.equal(p.artifact.check.source, 'upload');
    assert.equal(p.sbom.source, 'generated');
  });

  it('a declared hash that does not match the uploaded bytes makes the policy deny', async () => {
    const up = await upload(bytes);
    const { id } = await h.submit({
      title: 'Mismatched upload',
      artifact: art('UploadBad', { sha256: 'f'.repeat(64), checkId: up.body.id }),
    });
    const done = await h.waitForState(id, ['blocked', 'completed']);
    assert.equal(done.body.state, 'blocked');
    assert.match(done.body.timeline.find((e: { type: string }) => e.type === 'intent.blocked').reason, /does not match/);
  });

  it('an allow-listed URL is fetched and hashed by the worker; other hosts are refused at intake', async () => {
    const { id } = await h.submit({ title: 'URL artifact', artifact: art('UrlOk', { sha256: sha, sourceUrl: originUrl }) });
    assert.equal((await h.waitForState(id, ['completed', 'blocked', 'failed'])).body.state, 'completed');
    assert.equal((await pack(id)).artifact.check.url, originUrl);
    const refused = await h.postIntent(sampleIntent({ artifact: art('UrlBad', { sourceUrl: 'http://example.com/x.msi' }) }));
    assert.equal(refused.status, 400);
    assert.equal(refused.body.errors[0].path, 'artifact.sourceUrl');
  });

  it('uploads over ARTIFACT_MAX_BYTES get 413; an unknown check id gets 400', async () => {
    const big = await upload(randomBytes(9 * 1024 * 1024));
    assert.equal(big.status, 413);
    const unknown = await h.postIntent(sampleIntent({ artifact: art('NoCheck', { checkId: '00000000-0000-4000-8000-000000000000' }) }));
    assert.equal(unknown.status, 400);
    assert.equal(unknown.body.errors[0].path, 'artifact.checkId');
  });

  it('a supplied SBOM must be valid CycloneDX 1.5/1.6; it is kept in the pack with its hash', async () => {
    const bad = await h.postIntent(
      sampleIntent({ sbom: { bomFormat: 'CycloneDX', specVersion: '1.6', components: [{ name: 'no-type' }] } }),
    );
    assert.equal(bad.status, 400);
    assert.equal(bad.body.errors[0].path, 'sbom.components.0');
    const sbom = {
      bomFormat: 'CycloneDX',
      specVersion: '1.5',
      version: 1,
      components: [{ type: 'library', name: 'zlib', version: '1.3.1' }],
    };
    const { id } = await h.submit({ title: 'With SBOM', artifact: art('WithSbom', {}), sbom });
    await h.waitForState(id, ['completed', 'blocked']);
    const p = await pack(id);
    assert.equal(p.sbom.source, 'supplied');
    assert.equal(p.sbom.specVersion, '1.5');
    assert.deepEqual(p.sbom.document, sbom);
    assert.match(p.sbom.sha256, /^[a-f0-9]{64}$/);
  });
});
