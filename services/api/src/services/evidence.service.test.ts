import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { NotFoundError, sha256Hex, signManifest, type EvidenceManifest, type Principal } from '@eucora/core';
import type { EvidencePackRow } from '@eucora/persistence';
import { testSigningKey } from '../testing/signing-key';
import { EvidenceService, EvidenceStorageError, type EvidenceObjectReader, type EvidencePackReader } from './evidence.service';

// Unit tier: the service over in-memory fakes of the pack rows and the object store (no PostgreSQL, no MinIO).

const { privateKey, keyId, published } = testSigningKey();
const principal: Principal = { tenantId: randomUUID(), tokenId: randomUUID(), actor: 'auditor', roles: ['auditor'] };
const intentId = randomUUID();
const FUTURE = new Date(Date.now() + 86_400_000).toISOString();

class FakePacks implements EvidencePackReader {
  readonly rows: EvidencePackRow[] = [];
  async listByIntent(tenantId: string, intent: string) {
    return this.rows.filter((r) => r.tenantId === tenantId && r.intentId === intent).sort((a, b) => a.version - b.version);
  }
  async findById(tenantId: string, id: string) {
    return this.rows.find((r) => r.tenantId === tenantId && r.id === id) ?? null;
  }
  async findVersion(tenantId: string, intent: string, version: number) {
    return this.rows.find((r) => r.tenantId === tenantId && r.intentId === intent && r.version === version) ?? null;
  }
}

/** Objects by `bucket/key@version`; `fail` makes every read of a key reject with that store error code. */
class FakeObjects implements EvidenceObjectReader {
  readonly objects = new Map<string, Buffer>();
  readonly retention = new Map<string, { mode: string; retainUntilDate: string }>();
  readonly fail = new Map<string, string>();
  private id(bucket: string, key: string, opts?: { versionId: string }) {
    return `${bucket}/${key}@${opts?.versionId ?? '-'}`;
  }
  async getObject(bucket: string, key: string, opts?: { versionId: string }) {
    const code = this.fail.get(key);
    if (code) throw Object.assign(new Error(`secret store detail for ${key}`), { code });
    const bytes = this.objects.get(this.id(bucket, key, opts));
    if (!bytes) throw Object.assign(new Error('missing'), { code: 'NoSuchKey' });
    return Readable.from([bytes.subarray(0, 5), bytes.subarray(5)]);
  }
  async getObjectRetention(bucket: string, key: string, opts?: { versionId: string }) {
    return this.retention.get(this.id(bucket, key, opts)) ?? null;
  }
}

/** Stores a signed pack version of `intentId` in both fakes, chained to `previous`; returns its row. */
function storePack(packs: FakePacks, objects: FakeObjects, version: number, previous: EvidencePackRow | null): EvidencePackRow {
  const previousPackHash = previous?.sha256 ?? null;
  const bytes = Buffer.from(JSON.stringify({ tenantId: principal.tenantId, intentId, version, previousPackHash, rings: [] }));
  const sha256 = sha256Hex(bytes);
  const manifest: EvidenceManifest = {
    kind: 'eucora.evidence-manifest',
    algorithm: 'Ed25519',
    keyId,
    packSha256: sha256,
    tenantId: principal.tenantId,
    intentId,
    version,
    previousPackHash,
    signedAt: new Date().toISOString(),
  };
  const row: EvidencePackRow = {
    id: randomUUID(),
    tenantId: principal.tenantId,
    intentId,
    version,
    sha256,
    previousPackHash,
    bucket: 'evidence',
    objectKey: `${principal.tenantId}/${intentId}/${sha256}.json`,
    versionId: `v${version}`,
    sizeBytes: bytes.length,
    retention: { mode: 'COMPLIANCE', retainUntil: FUTURE },
    manifest,
    signature: signManifest(manifest, privateKey),
    keyId,
    manifestKey: `${principal.tenantId}/${intentId}/${sha256}.manifest.json`,
    createdAt: new Date().toISOString(),
  };
  packs.rows.push(row);
  objects.objects.set(`evidence/${row.objectKey}@${row.versionId}`, bytes);
  objects.retention.set(`evidence/${row.objectKey}@${row.versionId}`, { mode: 'COMPLIANCE', retainUntilDate: FUTURE });
  return row;
}

function setup() {
  const packs = new FakePacks();
  const objects = new FakeObjects();
  const v1 = storePack(packs, objects, 1, null);
  const v2 = storePack(packs, objects, 2, v1);
  return { packs, objects, v1, v2, service: new EvidenceService(packs, objects, () => published) };
}

describe('EvidenceService (in-memory fakes)', () => {
  it('verify: an intact chained pack passes storage, manifest, hash, fields, signature and chain', async () => {
    const { service, v1, v2 } = setup();
    const result = await service.verify(principal, v2.id);
    assert.equal(result.ok, true, JSON.stringify(result));
    assert.deepEqual(
      result.checks.map((c) => [c.name, c.ok]),
      [
        ['storage', true],
        ['manifest', true],
        ['pack_hash', true],
        ['pack_fields', true],
        ['signature', true],
        ['chain', true],
      ],
    );
    assert.equal(result.checks.find((c) => c.name === 'chain')!.detail, `chained to ${v1.sha256}`);
  });

  it('verify: an unreadable object is a verdict (ok:false, one storage check naming the store code), not an error', async () => {
    const { service, objects, v2 } = setup();
    objects.fail.set(v2.objectKey, 'NoSuchVersion');
    const result = await service.verify(principal, v2.id);
    assert.equal(result.ok, false);
    assert.equal(result.checks.length, 1);
    assert.equal(result.checks[0]!.name, 'storage');
    assert.equal(result.checks[0]!.ok, false);
    assert.equal(result.checks[0]!.detail, `object ${v2.objectKey} version v2: cannot be read (NoSuchVersion)`);
  });

  it('verify: bytes that differ from the recorded hash fail storage and pack_hash', async () => {
    const { service, objects, v2 } = setup();
    const id = `evidence/${v2.objectKey}@v2`;
    objects.objects.set(id, Buffer.concat([objects.objects.get(id)!, Buffer.from(' ')]));
    const result = await service.verify(principal, v2.id);
    assert.equal(result.ok, false);
    const storage = result.checks.find((c) => c.name === 'storage')!;
    assert.equal(storage.ok, false);
    assert.match(storage.detail, /bytes differ from the recorded hash/);
    assert.equal(result.checks.find((c) => c.name === 'pack_hash')!.ok, false);
  });

  it('verify: a pack whose predecessor row is missing fails the chain check', async () => {
    const { service, packs, v1, v2 } = setup();
    packs.rows.splice(packs.rows.indexOf(v1), 1);
    const result = await service.verify(principal, v2.id);
    assert.equal(result.ok, false);
    assert.equal(result.checks.find((c) => c.name === 'chain')!.ok, false);
  });

  it('verify: an expired retention fails storage even when the bytes match', async () => {
    const { service, objects, v1 } = setup();
    const past = new Date(Date.now() - 1000).toISOString();
    objects.retention.set(`evidence/${v1.objectKey}@v1`, { mode: 'GOVERNANCE', retainUntilDate: past });
    const result = await service.verify(principal, v1.id);
    const storage = result.checks.find((c) => c.name === 'storage')!;
    assert.equal(storage.ok, false);
    assert.match(storage.detail, /bytes match the recorded hash; retention GOVERNANCE until .* \(expired\)$/);
  });

  it('content: the stored bytes unchanged; a hash mismatch or a store failure is EvidenceStorageError with a safe code', async () => {
    const { service, objects, v1, v2 } = setup();
    const ok = await service.content(principal, v1.id);
    assert.equal(ok.sha256, v1.sha256);
    assert.equal(sha256Hex(ok.bytes), v1.sha256);
    objects.objects.set(`evidence/${v1.objectKey}@v1`, Buffer.from('{}'));
    await assert.rejects(service.content(principal, v1.id), (err) => err instanceof EvidenceStorageError && err.code === 'HashMismatch');
    objects.fail.set(v2.objectKey, 'bad code with spaces');
    await assert.rejects(service.content(principal, v2.id), (err) => {
      assert.ok(err instanceof EvidenceStorageError);
      assert.equal(err.code, 'StorageError');
      assert.doesNotMatch(err.message, /secret store detail/);
      return true;
    });
  });

  it('get and list: tenant-scoped; the retention reported is the one the store enforces; no tenant or manifest key leaks', async () => {
    const { service, objects, v1, v2 } = setup();
    const other: Principal = { ...principal, tenantId: randomUUID() };
    await assert.rejects(service.get(other, v1.id), NotFoundError);
    assert.deepEqual(await service.list(other, intentId), { items: [] });
    const enforced = new Date(Date.now() + 7 * 86_400_000).toISOString();
    objects.retention.set(`evidence/${v1.objectKey}@v1`, { mode: 'COMPLIANCE', retainUntilDate: enforced });
    const got = await service.get(principal, v1.id);
    assert.deepEqual(got.retention, { mode: 'COMPLIANCE', retainUntil: enforced });
    assert.ok(!('tenantId' in got) && !('manifestKey' in got));
    assert.deepEqual(
      (await service.list(principal, intentId)).items.map((p) => p.id),
      [v1.id, v2.id],
    );
    assert.deepEqual(service.publishedKeys(), { keys: published });
  });
});
