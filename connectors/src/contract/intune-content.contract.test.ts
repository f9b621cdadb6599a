import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { IntuneSimulator } from '@eucora/agent-sim';
import { appDisplayName, IntuneConnector, type ArtifactContent, type DeployRingRequest } from '../index';
import { isInputError } from '@eucora/core';
import { bufferContent } from '../testing/buffer-content';
import { intunewinOf } from '../testing/intunewin';

/** Intune Win32 content upload (vendor-contracts.md §1 steps 2–7, B) against the stricter simulator over HTTP. */
describe('Intune content upload (over HTTP against agent-sim)', () => {
  const sim = new IntuneSimulator({ size: 300, labSize: 6 });
  let url: string;
  before(async () => {
    sim.engine.config.installDurationMs = 30;
    sim.content.processingMs = 20;
    url = await sim.listen(0);
  });
  after(async () => sim.close());

  const connector = (content: ConstructorParameters<typeof IntuneConnector>[0]['content'] = {}) =>
    new IntuneConnector({
      graphUrl: url,
      authorityUrl: url,
      tenantId: 'contoso',
      clientId: sim.clientId,
      clientSecret: sim.clientSecret,
      content: { pollMaxMs: 50, ...content },
    });
  const req = (
    c: ArtifactContent,
    intentId = randomUUID(),
    detectionRule: DeployRingRequest['artifact']['detectionRule'] = { type: 'file', value: 'C:\\Program Files\\Big\\big.exe' },
  ): DeployRingRequest => ({
    tenantId: 't',
    intentId,
    correlationId: `corr-${intentId}`,
    ring: { index: 0, name: 'ring0-lab', deviceGroup: 'lab' },
    artifact: {
      name: 'Big',
      version: '2.0',
      publisher: 'Contoso',
      sha256: c.sha256,
      installCommand: 'big.exe /S',
      uninstallCommand: 'big.exe /U',
      platform: 'windows',
      format: 'exe',
      sizeBytes: c.sizeBytes,
      detectionRule,
    },
    content: c,
  });

  it('a 20 MiB installer goes up in 6 MiB blocks, is committed, published, assigned; a fresh instance re-deploy adds nothing', async () => {
    const bytes = randomBytes(20 * 1024 * 1024);
    const r = req(bufferContent(bytes, 'big-setup.exe'));
    const before = sim.getStats();
    const t0 = performance.now();
    const d = await connector().deployRing(r);
    const ms = Math.round(performance.now() - t0);
    const after1 = sim.getStats();
    const blocks = after1.blocksPut - before.blocksPut;
    // E = mac‖iv‖C in 6 MiB blocks: 20 MiB + zip and cipher overhead → 4 blocks.
    assert.equal(blocks, 4);
    assert.ok(after1.blockBytesPut - before.blockBytesPut > 20 * 1024 * 1024);
    assert.equal(after1.committedFiles - before.committedFiles, 1);
    assert.equal(after1.contentFilesByApp[d.objectIds.appId!], 1);
    const app = (await (
      await fetch(`${url}/beta/deviceAppManagement/mobileApps?$filter=${encodeURIComponent(`displayName eq '${appDisplayName(r)}'`)}`, {
        headers: await auth(),
      })
    ).json()) as { value: { publishingState: string; committedContentVersion: string }[] };
    assert.equal(app.value[0]!.publishingState, 'published');
    assert.equal(app.value[0]!.committedContentVersion, d.objectIds.contentVersion);
    assert.equal(after1.requiredAssignmentAdds[`${d.objectIds.appId}:${d.objectIds.groupId}`], 1);
    process.stdout.write(`# 20 MiB upload: ${blocks} blocks, ${after1.blockBytesPut - before.blockBytesPut} bytes, ${ms} ms\n`);

    const again = await connector().deployRing(r);
    const after2 = sim.getStats();
    assert.equal(again.adopted, true);
    assert.equal(again.objectIds.appId, d.objectIds.appId);
    assert.equal(after2.appsByDisplayName[appDisplayName(r)], 1, 'exactly one app');
    assert.equal(after2.contentFilesByApp[d.objectIds.appId!], 1, 'exactly one content file');
    assert.equal(after2.blocksPut, after1.blocksPut, 'a committed file is never uploaded again');
  });

  it('an upload interrupted mid-blocks resumes into the same content file (no second file, no second version)', async () => {
    const bytes = randomBytes(13 * 1024 * 1024);
    const good = bufferContent(bytes, 'resume-setup.exe');
    // First attempt: the byte stream dies after ~7 MiB, as when the worker is killed during the block upload.
    const dying: ArtifactContent = {
      ...good,
      open: async () => {
        const src = await good.open();
        let seen = 0;
        return Readable.from(
          (async function* () {
            for await (const c of src) {
              seen += (c as Buffer).length;
              if (seen > 7 * 1024 * 1024) throw new Error('worker killed');
              yield c;
            }
          })(),
        );
      },
    };
    const intentId = randomUUID();
    await assert.rejects(connector().deployRing(req(dying, intentId)), /worker killed/);
    const mid = sim.getStats();
    const d = await connector().deployRing(req(good, intentId));
    const end = sim.getStats();
    assert.ok(mid.blocksPut > 0, 'blocks were uploaded before the crash');
    assert.equal(end.contentFilesByApp[d.objectIds.appId!], 1);
    assert.equal(end.contentVersionsByApp[d.objectIds.appId!], 1);
    assert.ok(end.renewals > mid.renewals, 'the resumed upload renewed the SAS instead of trusting an old one');
    assert.equal(end.requiredAssignmentAdds[`${d.objectIds.appId}:${d.objectIds.groupId}`], 1);
  });

  it('a .intunewin is uploaded unchanged with the values of its Detection.xml (contracts B "From a .intunewin")', async () => {
    const installer = randomBytes(7 * 1024 * 1024 + 3);
    const pkg = bufferContent(await intunewinOf('pkg-setup.exe', installer), 'pkg.intunewin');
    const r = req(pkg);
    const before = sim.getStats();
    const d = await connector().deployRing({ ...r, artifact: { ...r.artifact, format: 'intunewin' } });
    const after1 = sim.getStats();
    assert.equal(after1.committedFiles - before.committedFiles, 1, 'the simulator verified MAC, digest and zip of the packaged content');
    assert.equal(after1.blocksPut - before.blocksPut, 2, '7 MiB + overhead in 6 MiB blocks');
    assert.ok(d.objectIds.contentFileId);
  });

  it('renews the SAS URI when the upload outlives renewAfterMs (contracts B "After 450,000 ms")', async () => {
    const c = bufferContent(randomBytes(3 * 1024 * 1024), 'slow-setup.exe');
    const before = sim.getStats().renewals;
    const d = await connector({ renewAfterMs: 0, blockBytes: 1024 * 1024 }).deployRing(req(c));
    assert.ok(sim.getStats().renewals - before >= 3, 'one renewal per block after the first');
    assert.ok(d.objectIds.contentFileId);
  });

  it('maps the four detection rule types and refuses a product code that is not a GUID before anything is created', async () => {
    const c = bufferContent(Buffer.from('tiny installer'), 'tiny.msi');
    const rules: DeployRingRequest['artifact']['detectionRule'][] = [
      { type: 'registry', value: 'HKEY_LOCAL_MACHINE\\SOFTWARE\\Contoso\\Tiny::Version' },
      { type: 'product_code', value: '{23170F69-40C1-2702-2408-000001000000}' },
      { type: 'script', value: 'if (Test-Path C:\\tiny) { Write-Output "ok" }' },
    ];
    for (const rule of rules) assert.ok((await connector().deployRing(req(c, randomUUID(), rule))).objectIds.appId);
    const before = sim.getStats().mobileAppsRequests;
    await assert.rejects(connector().deployRing(req(c, randomUUID(), { type: 'product_code', value: c.sha256.slice(0, 32) })), (e) =>
      isInputError(e),
    );
    assert.equal(sim.getStats().mobileAppsRequests, before);
  });

  it('refuses to deploy without verified content, or with content that is not the declared artifact', async () => {
    const c = bufferContent(Buffer.from('x'.repeat(100)), 'x.msi');
    const r = req(c);
    await assert.rejects(connector().deployRing({ ...r, content: undefined }), (e) => isInputError(e));
    await assert.rejects(connector().deployRing({ ...r, artifact: { ...r.artifact, sha256: 'b'.repeat(64) } }), (e) => isInputError(e));
  });

  async function auth(): Promise<Record<string, string>> {
    const t = (await (
      await fetch(`${url}/contoso/oauth2/v2.0/token`, {
        method: 'POST',
        body: new URLSearchParams({ grant_type: 'client_credentials', client_id: sim.clientId, client_secret: sim.clientSecret }),
      })
    ).json()) as { access_token: string };
    return { authorization: `Bearer ${t.access_token}` };
  }
});
