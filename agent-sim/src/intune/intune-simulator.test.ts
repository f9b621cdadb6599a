import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createCipheriv, createHash, createHmac, randomBytes } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { IntuneSimulator } from './intune-simulator';

/** A one-entry stored zip (what the connector uploads encrypted). */
function zipOf(name: string, data: Buffer): Buffer {
  const n = Buffer.from(name);
  const crc = crc32(data);
  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0);
  local.writeUInt16LE(20, 4);
  local.writeUInt32LE(crc, 14);
  local.writeUInt32LE(data.length, 18);
  local.writeUInt32LE(data.length, 22);
  local.writeUInt16LE(n.length, 26);
  const central = Buffer.alloc(46);
  central.writeUInt32LE(0x02014b50, 0);
  central.writeUInt16LE(20, 4);
  central.writeUInt16LE(20, 6);
  central.writeUInt32LE(crc, 16);
  central.writeUInt32LE(data.length, 20);
  central.writeUInt32LE(data.length, 24);
  central.writeUInt16LE(n.length, 28);
  const eocd = Buffer.alloc(22);
  eocd.writeUInt32LE(0x06054b50, 0);
  eocd.writeUInt16LE(1, 8);
  eocd.writeUInt16LE(1, 10);
  eocd.writeUInt32LE(46 + n.length, 12);
  eocd.writeUInt32LE(30 + n.length + data.length, 16);
  return Buffer.concat([local, n, data, central, n, eocd]);
}

/** contracts B steps 2–6: E = mac‖iv‖AES-256-CBC(P), mac = HMAC-SHA256(macKey, iv‖C). */
function encrypt(p: Buffer) {
  const key = randomBytes(32);
  const macKey = randomBytes(32);
  const iv = randomBytes(16);
  const cipher = createCipheriv('aes-256-cbc', key, iv);
  const cc = Buffer.concat([cipher.update(p), cipher.final()]);
  const mac = createHmac('sha256', macKey)
    .update(Buffer.concat([iv, cc]))
    .digest();
  const info = {
    encryptionKey: key.toString('base64'),
    macKey: macKey.toString('base64'),
    initializationVector: iv.toString('base64'),
    mac: mac.toString('base64'),
    profileIdentifier: 'ProfileVersion1',
    fileDigest: createHash('sha256').update(p).digest('base64'),
    fileDigestAlgorithm: 'SHA256',
  };
  return { e: Buffer.concat([mac, iv, cc]), info };
}

const id4 = (i: number) => Buffer.from(String(i).padStart(4, '0')).toString('base64');

describe('Intune simulator: as strict as Graph on content and assignment', () => {
  const sim = new IntuneSimulator({ size: 50, labSize: 3 });
  let url: string;
  let h: Record<string, string>;
  const B = () => `${url}/beta/deviceAppManagement`;
  before(async () => {
    url = await sim.listen(0);
    const t = (await (
      await fetch(`${url}/contoso/oauth2/v2.0/token`, {
        method: 'POST',
        body: new URLSearchParams({ grant_type: 'client_credentials', client_id: sim.clientId, client_secret: sim.clientSecret }),
      })
    ).json()) as { access_token: string };
    h = { authorization: `Bearer ${t.access_token}`, 'content-type': 'application/json' };
  });
  after(async () => sim.close());

  const call = (method: string, path: string, body?: unknown) =>
    fetch(`${B()}${path}`, { method, headers: h, body: body === undefined ? undefined : JSON.stringify(body) });
  const appBody = (name: string) => ({
    '@odata.type': '#microsoft.graph.win32LobApp',
    displayName: name,
    publisher: 'Contoso',
    fileName: 'IntunePackage.intunewin',
    setupFilePath: 'setup.exe',
    installCommandLine: 'setup.exe /S',
    uninstallCommandLine: 'setup.exe /U',
    detectionRules: [
      {
        '@odata.type': '#microsoft.graph.win32LobAppFileSystemDetection',
        path: 'C:\\x',
        fileOrFolderName: 'y.exe',
        detectionType: 'exists',
      },
    ],
  });
  const newApp = async (name: string) =>
    (await (await call('POST', '/mobileApps', appBody(name))).json()) as { id: string; publishingState: string };
  const cv = (app: string) => `/mobileApps/${app}/microsoft.graph.win32LobApp/contentVersions`;
  const getFile = async (app: string, v: string, f: string) =>
    (await (await call('GET', `${cv(app)}/${v}/files/${f}`)).json()) as {
      uploadState: string;
      azureStorageUri: string | null;
      isCommitted: boolean;
    };
  const assign = (app: string) =>
    call('POST', `/mobileApps/${app}/assign`, {
      mobileAppAssignments: [
        {
          '@odata.type': '#microsoft.graph.mobileAppAssignment',
          intent: 'required',
          target: { '@odata.type': '#microsoft.graph.groupAssignmentTarget', groupId: 'g' },
        },
      ],
    });

  /** Creates app + version + file for `p` and waits for the SAS URI (contracts §1 steps 1–4). */
  async function prepared(p: Buffer, sizeEncrypted?: number) {
    const app = await newApp(`app-${randomBytes(4).toString('hex')}`);
    const v = ((await (await call('POST', cv(app.id), {})).json()) as { id: string }).id;
    const enc = encrypt(p);
    const res = await call('POST', `${cv(app.id)}/${v}/files`, {
      '@odata.type': '#microsoft.graph.mobileAppContentFile',
      name: 'IntunePackage.intunewin',
      size: p.length,
      sizeEncrypted: sizeEncrypted ?? enc.e.length,
      manifest: null,
      isDependency: false,
    });
    assert.equal(res.status, 201);
    const file = (await res.json()) as { id: string; uploadState: string };
    const f = await getFile(app.id, v, file.id);
    return { app, v, file, enc, uri: f.azureStorageUri!, created: file.uploadState, polled: f.uploadState };
  }
  const putBlock = (uri: string, id: string, bytes: Buffer, blobType: string | null = 'BlockBlob') =>
    fetch(`${uri}&comp=block&blockid=${encodeURIComponent(id)}`, {
      method: 'PUT',
      headers: blobType ? { 'x-ms-blob-type': blobType } : {},
      body: bytes,
    });
  const putList = (uri: string, ids: string[]) =>
    fetch(`${uri}&comp=blocklist`, {
      method: 'PUT',
      body: `<?xml version="1.0" encoding="utf-8"?><BlockList>${ids.map((i) => `<Latest>${i}</Latest>`).join('')}</BlockList>`,
    });
  async function settled(app: string, v: string, f: string) {
    for (let i = 0; i < 20; i++) {
      const s = await getFile(app, v, f);
      if (!s.uploadState.endsWith('Pending')) return s;
      await new Promise((r) => setTimeout(r, 10));
    }
    throw new Error('never settled');
  }

  it('contracts §1 "Assign" + issue 9: an unpublished app cannot be assigned (Graph error shape)', async () => {
    const app = await newApp('unpublished');
    assert.equal(app.publishingState, 'notPublished');
    const res = await assign(app.id);
    assert.equal(res.status, 400);
    const body = (await res.json()) as { error: { code: string; message: string; innerError: { 'request-id': string; date: string } } };
    assert.equal(body.error.message, 'The app cannot be assigned unless the app is published');
    assert.equal(body.error.code, 'BadRequest');
    assert.ok(body.error.innerError['request-id'] && body.error.innerError.date);
  });

  it('contracts §1 step 1: detection rules must be one of the four Win32 types; a product code must be a GUID', async () => {
    const bad = {
      ...appBody('bad-rule'),
      detectionRules: [{ '@odata.type': '#microsoft.graph.win32LobAppProductCodeDetection', productCode: 'a'.repeat(32) }],
    };
    assert.equal((await call('POST', '/mobileApps', bad)).status, 400);
    const unknown = { ...appBody('bad-type'), detectionRules: [{ '@odata.type': '#microsoft.graph.win32LobAppMagicDetection' }] };
    assert.equal((await call('POST', '/mobileApps', unknown)).status, 400);
  });

  it('contracts §1 step 3: a file needs size and a sizeEncrypted that fits it', async () => {
    const app = await newApp('sizes');
    const v = ((await (await call('POST', cv(app.id), {})).json()) as { id: string }).id;
    const file = (b: Record<string, unknown>) =>
      call('POST', `${cv(app.id)}/${v}/files`, {
        '@odata.type': '#microsoft.graph.mobileAppContentFile',
        name: 'f',
        manifest: null,
        isDependency: false,
        ...b,
      });
    assert.equal((await file({ size: 100 })).status, 400);
    assert.equal((await file({ size: 100, sizeEncrypted: 100 })).status, 400);
    assert.equal((await file({ size: 100, sizeEncrypted: 160 })).status, 201);
  });

  it('contracts §1 step 4: uploadState is azureStorageUriRequestPending at create, Success with a SAS URI on a later GET', async () => {
    const x = await prepared(zipOf('a.exe', randomBytes(1000)));
    assert.equal(x.created, 'azureStorageUriRequestPending');
    assert.equal(x.polled, 'azureStorageUriRequestSuccess');
    assert.match(x.uri, /^http:\/\/127\.0\.0\.1:\d+\/_blob\/.*sig=/);
  });

  it('contracts B "Blocks": x-ms-blob-type required, same-length base64 block ids, a valid SAS, a list of uploaded blocks', async () => {
    const x = await prepared(zipOf('b.exe', randomBytes(1000)));
    assert.equal((await putBlock(x.uri, id4(0), x.enc.e, null)).status, 400);
    assert.equal((await putBlock(x.uri, 'not base64!', x.enc.e)).status, 400);
    assert.equal((await putBlock(x.uri.replace(/sig=[^&]+/, 'sig=forged'), id4(0), x.enc.e)).status, 403);
    assert.equal((await putBlock(x.uri, id4(0), x.enc.e.subarray(0, 500))).status, 201);
    assert.equal((await putBlock(x.uri, Buffer.from('1').toString('base64'), x.enc.e.subarray(500))).status, 400, 'a shorter block id');
    assert.equal((await putList(x.uri, [id4(0), id4(1)])).status, 400, 'block 0001 was never uploaded');
  });

  it('contracts §1 step 6 / B steps 5–6: commit fails on a wrong MAC, size, digest or non-zip; succeeds when bytes verify', async () => {
    const p = zipOf('c.exe', randomBytes(5000));
    const wrongMac = await prepared(p);
    assert.equal((await putBlock(wrongMac.uri, id4(0), wrongMac.enc.e)).status, 201);
    assert.equal((await putList(wrongMac.uri, [id4(0)])).status, 201);
    const forged = { ...wrongMac.enc.info, mac: randomBytes(32).toString('base64') };
    assert.equal(
      (await call('POST', `${cv(wrongMac.app.id)}/${wrongMac.v}/files/${wrongMac.file.id}/commit`, { fileEncryptionInfo: forged })).status,
      200,
    );
    assert.equal((await settled(wrongMac.app.id, wrongMac.v, wrongMac.file.id)).uploadState, 'commitFileFailed');

    const short = await prepared(p);
    assert.equal((await putBlock(short.uri, id4(0), short.enc.e.subarray(0, short.enc.e.length - 16))).status, 201);
    assert.equal((await putList(short.uri, [id4(0)])).status, 201);
    await call('POST', `${cv(short.app.id)}/${short.v}/files/${short.file.id}/commit`, { fileEncryptionInfo: short.enc.info });
    assert.equal((await settled(short.app.id, short.v, short.file.id)).uploadState, 'commitFileFailed');

    const digest = await prepared(p);
    await putBlock(digest.uri, id4(0), digest.enc.e);
    await putList(digest.uri, [id4(0)]);
    await call('POST', `${cv(digest.app.id)}/${digest.v}/files/${digest.file.id}/commit`, {
      fileEncryptionInfo: { ...digest.enc.info, fileDigest: createHash('sha256').update('other').digest('base64') },
    });
    assert.equal(
      (await settled(digest.app.id, digest.v, digest.file.id)).uploadState,
      'commitFileFailed',
      'fileDigest must be SHA-256 of the decrypted zip',
    );

    const notZip = randomBytes(3000);
    const raw = await prepared(notZip);
    await putBlock(raw.uri, id4(0), raw.enc.e);
    await putList(raw.uri, [id4(0)]);
    await call('POST', `${cv(raw.app.id)}/${raw.v}/files/${raw.file.id}/commit`, { fileEncryptionInfo: raw.enc.info });
    assert.equal((await settled(raw.app.id, raw.v, raw.file.id)).uploadState, 'commitFileFailed', 'the decrypted content must be a zip');

    const good = await prepared(p);
    await putBlock(good.uri, id4(0), good.enc.e.subarray(0, 2048));
    await putBlock(good.uri, id4(1), good.enc.e.subarray(2048));
    assert.equal((await putList(good.uri, [id4(0), id4(1)])).status, 201);
    await call('POST', `${cv(good.app.id)}/${good.v}/files/${good.file.id}/commit`, { fileEncryptionInfo: good.enc.info });
    const done = await settled(good.app.id, good.v, good.file.id);
    assert.equal(done.uploadState, 'commitFileSuccess');
    assert.equal(done.isCommitted, true);
    assert.equal((await putBlock(good.uri, id4(0), good.enc.e)).status, 403, 'a committed file takes no more blocks');
  });

  it('contracts §1 step 7: committedContentVersion needs a committed file; then published; then assign works', async () => {
    const p = zipOf('d.exe', randomBytes(2000));
    const x = await prepared(p);
    assert.equal(
      (await call('PATCH', `/mobileApps/${x.app.id}`, { '@odata.type': '#microsoft.graph.win32LobApp', committedContentVersion: x.v }))
        .status,
      400,
      'not committed yet',
    );
    await putBlock(x.uri, id4(0), x.enc.e);
    await putList(x.uri, [id4(0)]);
    await call('POST', `${cv(x.app.id)}/${x.v}/files/${x.file.id}/commit`, { fileEncryptionInfo: x.enc.info });
    await settled(x.app.id, x.v, x.file.id);
    assert.equal(
      (await call('PATCH', `/mobileApps/${x.app.id}`, { committedContentVersion: x.v })).status,
      400,
      'PATCH of a derived type needs @odata.type',
    );
    assert.equal(
      (await call('PATCH', `/mobileApps/${x.app.id}`, { '@odata.type': '#microsoft.graph.win32LobApp', committedContentVersion: x.v }))
        .status,
      204,
    );
    const app = (await (await call('GET', `/mobileApps/${x.app.id}`)).json()) as {
      publishingState: string;
      committedContentVersion: string;
    };
    assert.equal(app.publishingState, 'published');
    assert.equal(app.committedContentVersion, x.v);
    assert.equal((await assign(x.app.id)).status, 204);
  });

  it('contracts B "After 450,000 ms … renewUpload": renewal issues a new SAS and the old one stops working', async () => {
    const x = await prepared(zipOf('e.exe', randomBytes(100)));
    assert.equal((await call('POST', `${cv(x.app.id)}/${x.v}/files/${x.file.id}/renewUpload`, {})).status, 204);
    const f = await settled(x.app.id, x.v, x.file.id);
    assert.equal(f.uploadState, 'azureStorageUriRenewalSuccess');
    assert.notEqual(f.azureStorageUri, x.uri);
    assert.equal((await putBlock(x.uri, id4(0), x.enc.e)).status, 403);
    assert.equal((await putBlock(f.azureStorageUri!, id4(0), x.enc.e)).status, 201);
  });

  it('issue 11 point 6: reset() zeroes the stats the fault middleware counts into', async () => {
    sim.reset();
    await call('GET', '/mobileApps');
    assert.equal(sim.getStats().requests, 1);
    sim.reset();
    assert.equal(sim.getStats().requests, 0);
    await call('GET', '/mobileApps');
    await call('GET', '/mobileApps');
    assert.equal(sim.getStats().requests, 2);
  });
});
