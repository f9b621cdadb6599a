import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import type { ArtifactContent, DeployRingRequest } from '../../connector';
import { ResilientCaller } from '../../shared/resilience';
import { IntuneConnector } from '../intune.connector';
import { ASSIGNMENT, FILE_ENCRYPTION_INFO, RECORDED, SAS_PATH, type JsonType, type RecordedExchange } from './intune-recorded-exchanges';

interface Seen {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: http.IncomingHttpHeaders;
  raw: Buffer;
  row: RecordedExchange | undefined;
}

function pattern(p: string): RegExp {
  return new RegExp(`^${p.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{id\}/g, '[^/]+')}$`);
}

function typeOf(v: unknown): JsonType {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v as JsonType;
}

function checkType(where: string, v: unknown, t: JsonType): void {
  if (t === 'base64') {
    assert.equal(typeof v, 'string', `${where}: string`);
    assert.match(v as string, /^[A-Za-z0-9+/]+={0,2}$/, `${where}: base64`);
    return;
  }
  assert.equal(typeOf(v), t, `${where}: ${t}`);
}

/**
 * The Intune connector against recorded vendor exchanges (contracts and vendor docs), field by field: every request must
 * match a recorded row by method and path, carry its query keys and headers, and have its body keys with their JSON types.
 */
describe('Intune connector vs recorded Graph/Blob exchanges (contracts, not the simulator)', () => {
  const seen: Seen[] = [];
  const plays = new Map<RecordedExchange, number>();
  let server: http.Server;
  let url: string;
  const bytes = randomBytes(300_000);
  const content: ArtifactContent = {
    sha256: createHash('sha256').update(bytes).digest('hex'),
    sizeBytes: bytes.length,
    fileName: 'recorded-setup.exe',
    open: async () => Readable.from([bytes]),
    downloadUrl: async () => 'unused',
  };
  const req: DeployRingRequest = {
    tenantId: 't',
    intentId: '6a1c2d3e-0000-4000-8000-000000000001',
    correlationId: 'corr-recorded-1',
    ring: { index: 0, name: 'ring0-lab', deviceGroup: 'eucora-6a1c2d3e-r0' },
    artifact: {
      name: 'Recorded',
      version: '1.0',
      publisher: 'Contoso',
      sha256: content.sha256,
      installCommand: 'setup.exe /S',
      uninstallCommand: 'setup.exe /U',
      platform: 'windows',
      format: 'exe',
      sizeBytes: bytes.length,
      detectionRule: {
        type: 'registry',
        value: 'HKEY_LOCAL_MACHINE\\SOFTWARE\\Contoso\\Recorded',
      },
    },
    content,
  };

  before(async () => {
    server = http.createServer((r, res) => {
      const chunks: Buffer[] = [];
      r.on('data', (c: Buffer) => chunks.push(c));
      r.on('end', () => {
        const u = new URL(r.url ?? '/', 'http://x');
        // Blob rows differ only by `comp`; Graph rows by method + path.
        const comp = u.searchParams.get('comp');
        const row = RECORDED.find(
          (x) => x.method === r.method && pattern(x.path).test(u.pathname) && (!x.query?.comp || x.query.comp === comp),
        );
        seen.push({ method: r.method ?? '', path: u.pathname, query: u.searchParams, headers: r.headers, raw: Buffer.concat(chunks), row });
        if (!row) {
          return void res
            .writeHead(400, { 'content-type': 'application/json' })
            .end(JSON.stringify({ error: { code: 'BadRequest', message: 'not in the recorded contract' } }));
        }
        const n = plays.get(row) ?? 0;
        plays.set(row, n + 1);
        let rec = row.responses[Math.min(n, row.responses.length - 1)]!;
        // After the commit, the recorded file GET is the commitFileSuccess one (§1 step 6).
        if (row.path.endsWith('/files/{id}') && seen.some((s) => s.path.endsWith('/commit'))) {
          rec = { status: 200, body: { ...(rec.body as object), uploadState: 'commitFileSuccess', isCommitted: true } };
        }
        const body = rec.body === undefined ? '' : JSON.stringify(rec.body).replace(/"SAS\//g, `"${url}/`);
        res.writeHead(rec.status, { ...(body ? { 'content-type': 'application/json' } : {}), ...rec.headers }).end(body);
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const c = new IntuneConnector({
      graphUrl: url,
      authorityUrl: url,
      tenantId: 'contoso',
      clientId: 'app-id',
      clientSecret: 'app-secret',
      caller: new ResilientCaller('intune', { retries: 0 }),
      content: { pollMaxMs: 10, blockBytes: 128 * 1024 },
    });
    const d = await c.deployRing(req);
    await c.ringStatus({ ...req, deployment: d, baseline: {} });
  });
  after(() => new Promise<void>((r) => server.close(() => r())));

  it('every request matches a recorded exchange (method + path)', () => {
    const unmatched = seen.filter((s) => !s.row).map((s) => `${s.method} ${s.path}`);
    assert.deepEqual(unmatched, []);
  });

  it('query keys, headers and body keys with their JSON types are those recorded', () => {
    for (const s of seen) {
      const row = s.row!;
      const where = `${s.method} ${s.path} (${row.source})`;
      for (const [k, v] of Object.entries(row.query ?? {})) {
        const got = s.query.get(k);
        assert.ok(got !== null, `${where}: query ${k}`);
        if (v instanceof RegExp) assert.match(got, v, `${where}: query ${k}`);
        else if (v !== null) assert.equal(got, v, `${where}: query ${k}`);
      }
      for (const [k, v] of Object.entries(row.headers ?? {})) assert.match(String(s.headers[k] ?? ''), v, `${where}: header ${k}`);
      if (row.form) {
        const f = new URLSearchParams(s.raw.toString('utf8'));
        for (const [k, v] of Object.entries(row.form)) {
          assert.ok(f.has(k), `${where}: form ${k}`);
          if (v !== null) assert.equal(f.get(k), v, `${where}: form ${k}`);
        }
      }
      if (row.body) {
        const b = JSON.parse(s.raw.toString('utf8') || 'null') as Record<string, unknown>;
        checkType(where, b, 'object');
        for (const [k, t] of Object.entries(row.body)) checkType(`${where}: body.${k}`, b[k], t);
        for (const [k, v] of Object.entries(row.fixed ?? {})) assert.deepEqual(b[k], v, `${where}: body.${k}`);
      }
    }
  });

  it('client-request-id carries the correlation id on every Graph call (not on storage)', () => {
    for (const s of seen.filter((x) => !x.path.includes('oauth2') && x.path !== SAS_PATH))
      assert.equal(s.headers['client-request-id'], req.correlationId, s.path);
    for (const s of seen.filter((x) => x.path === SAS_PATH)) assert.equal(s.headers.authorization, undefined, 'no bearer token to storage');
  });

  it('steps in contract order: create → version → file → poll → blocks → list → commit → PATCH → published → assign', () => {
    const order = seen.map((s) => s.row!.source.split(':')[0]);
    const first = (src: string) => seen.findIndex((s) => s.row!.source.startsWith(src));
    const last = (src: string) => seen.map((s) => s.row!.source.startsWith(src)).lastIndexOf(true);
    const steps = ['§1 step 1', '§1 step 2', '§1 step 3 ', 'B "Blocks"', 'B "Finish"', '§1 step 6', '§1 step 7: PATCH', '§1 Assign: POST'];
    for (let i = 1; i < steps.length; i++)
      assert.ok(first(steps[i]!) > last(steps[i - 1]!), `${steps[i]} after ${steps[i - 1]}: ${order.join(' | ')}`);
    assert.ok(first('§1 step 4') < first('B "Blocks"'), 'the SAS URI is polled for before the first block');
    const published = seen.findIndex((s, i) => i > first('§1 step 7: PATCH') && s.row!.source.startsWith('§1 step 7: GET'));
    assert.ok(published > 0 && published < first('§1 Assign: POST'), 'published is read before the assign');
  });

  it('the file create carries size and sizeEncrypted = 48 + 16·(⌊size/16⌋+1) (B step 6)', () => {
    const s = seen.find((x) => x.row!.source.startsWith('§1 step 3'))!;
    const b = JSON.parse(s.raw.toString('utf8')) as { size: number; sizeEncrypted: number; name: string };
    assert.equal(b.sizeEncrypted, 48 + 16 * (Math.floor(b.size / 16) + 1));
    assert.ok(b.size > bytes.length, 'size is the zip around the installer');
    const blocks = seen.filter((x) => x.row!.source.startsWith('B "Blocks"'));
    assert.equal(
      blocks.reduce((n, x) => n + x.raw.length, 0),
      b.sizeEncrypted,
      'the blocks add up to sizeEncrypted',
    );
    const ids = blocks.map((x) => x.query.get('blockid')!);
    assert.ok(
      ids.every((id) => id.length === ids[0]!.length),
      'block ids of one length',
    );
    assert.ok(
      ids.every((id) => /^\d{4}$/.test(Buffer.from(id, 'base64').toString('ascii'))),
      'base64 of a 4-digit index',
    );
    const list = seen.find((x) => x.row!.source.startsWith('B "Finish"'))!.raw.toString('utf8');
    assert.match(list, /^<\?xml version="1.0" encoding="utf-8"\?><BlockList>(<Latest>[A-Za-z0-9+/=]+<\/Latest>)+<\/BlockList>$/);
    assert.equal([...list.matchAll(/<Latest>/g)].length, ids.length);
  });

  it('commit sends fileEncryptionInfo with every field, base64 where the contract says (§1 step 6)', () => {
    const s = seen.find((x) => x.row!.source.startsWith('§1 step 6'))!;
    const info = (JSON.parse(s.raw.toString('utf8')) as { fileEncryptionInfo: Record<string, unknown> }).fileEncryptionInfo;
    for (const [k, t] of Object.entries(FILE_ENCRYPTION_INFO)) checkType(`fileEncryptionInfo.${k}`, info[k], t);
    assert.equal(info.profileIdentifier, 'ProfileVersion1');
    assert.equal(info.fileDigestAlgorithm, 'SHA256');
    assert.equal(Buffer.from(info.encryptionKey as string, 'base64').length, 32);
    assert.equal(Buffer.from(info.macKey as string, 'base64').length, 32);
    assert.equal(Buffer.from(info.initializationVector as string, 'base64').length, 16);
  });

  it("the create sends the intent's detection rule as RegistryDetection, and assign sends full assignments (§1 step 1, Assign)", () => {
    const create = JSON.parse(seen.find((x) => x.row!.source.startsWith('§1 step 1'))!.raw.toString('utf8')) as {
      detectionRules: Record<string, unknown>[];
      setupFilePath: string;
    };
    assert.equal(create.detectionRules[0]!['@odata.type'], '#microsoft.graph.win32LobAppRegistryDetection');
    assert.equal(create.detectionRules[0]!.keyPath, 'HKEY_LOCAL_MACHINE\\SOFTWARE\\Contoso\\Recorded');
    assert.equal(create.setupFilePath, 'recorded-setup.exe');
    const assign = JSON.parse(seen.find((x) => x.row!.source.startsWith('§1 Assign: POST'))!.raw.toString('utf8')) as {
      mobileAppAssignments: Record<string, unknown>[];
    };
    for (const a of assign.mobileAppAssignments) {
      for (const [k, t] of Object.entries(ASSIGNMENT)) checkType(`assignment.${k}`, a[k], t);
      assert.equal(a['@odata.type'], '#microsoft.graph.mobileAppAssignment');
      assert.equal(a.intent, 'required');
      assert.deepEqual(a.target, {
        '@odata.type': '#microsoft.graph.groupAssignmentTarget',
        groupId: '0c4a5e6f-1111-4222-8333-444455556666',
      });
    }
  });
});
