import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { scoreRisk } from '../risk/risk-model';
import { evaluatePolicy } from '../policy/policy';
import { buildEvidencePack, evidenceObjectKey, type EvidencePackInput } from './evidence-pack';
import { keyIdOf, signManifest, verifyEvidenceBundle, type EvidenceManifest } from './evidence-signing';

const TENANT = '11111111-1111-4111-8111-111111111111';
const INTENT = '22222222-2222-4222-8222-222222222222';

function input(): EvidencePackInput {
  const risk = scoreRisk({
    privilege: 'admin',
    signature: { signed: true, knownPublisher: true },
    dataAccess: 'none',
    sbomPresent: true,
    findings: [],
    deviceCount: 100,
    requiresReboot: false,
    hasScripts: false,
    dependencies: 0,
    multiStep: false,
    history: null,
  });
  return {
    tenantId: TENANT,
    intentId: INTENT,
    version: 1,
    previousPackHash: null,
    createdAt: '2026-11-21T10:00:00.000Z',
    intent: { title: 'Roll out 7-Zip', plane: 'intune', targeting: { groups: ['all-windows'], exclusions: [] } },
    artifact: {
      name: '7-Zip',
      version: '24.08',
      declaredSha256: 'a'.repeat(64),
      verifiedSha256: null,
      check: null,
      signature: { signed: true },
    },
    sbom: {
      present: true,
      source: 'supplied',
      specVersion: '1.6',
      sha256: 'b'.repeat(64),
      document: { bomFormat: 'CycloneDX', specVersion: '1.6', components: [] },
    },
    findings: [],
    risk,
    policy: evaluatePolicy({
      riskScore: risk.score,
      changeType: 'normal',
      artifactHashMatches: null,
      packageName: '7-Zip',
      findings: [],
      exceptions: [],
      now: '2026-11-21T10:00:00.000Z',
    }),
    installation: {
      install: 'msiexec /i 7z.msi /qn',
      uninstall: 'msiexec /x 7z.msi /qn',
      detection: { type: 'product_code', value: '{X}' },
    },
    rolloutPlan: [{ index: 0, name: 'ring0-lab' }],
    rollbackPlan: { strategy: 'uninstall' },
    testEvidence: [],
    exceptions: [],
    approvals: [],
  };
}

function signed() {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const pack = buildEvidencePack(input());
  const manifest: EvidenceManifest = {
    kind: 'eucora.evidence-manifest',
    algorithm: 'Ed25519',
    keyId: keyIdOf(publicKey),
    packSha256: pack.sha256,
    tenantId: TENANT,
    intentId: INTENT,
    version: 1,
    previousPackHash: null,
    signedAt: '2026-11-21T10:00:00.000Z',
  };
  const signature = signManifest(manifest, privateKey);
  const keys = [{ keyId: manifest.keyId, publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString() }];
  return { pack, manifest, signature, keys };
}

describe('evidence pack', () => {
  it('same inputs → byte-identical pack and hash on two builds', () => {
    const a = buildEvidencePack(input());
    const b = buildEvidencePack(input());
    assert.ok(a.bytes.equals(b.bytes));
    assert.equal(a.sha256, b.sha256);
    // Key order of the input does not matter: the serialisation is canonical.
    const reordered = Object.fromEntries(Object.entries(input()).reverse()) as unknown as EvidencePackInput;
    assert.equal(buildEvidencePack(reordered).sha256, a.sha256);
    assert.equal(evidenceObjectKey(TENANT, INTENT, a.sha256), `${TENANT}/${INTENT}/${a.sha256}.json`);
  });

  it('a different input gives a different hash', () => {
    assert.notEqual(buildEvidencePack({ ...input(), version: 2 }).sha256, buildEvidencePack(input()).sha256);
  });

  it('an intact bundle verifies offline with only the public key', () => {
    const s = signed();
    const r = verifyEvidenceBundle({
      packBytes: s.pack.bytes,
      manifest: s.manifest,
      signature: s.signature,
      publicKeys: s.keys,
      previousPackSha256: null,
    });
    assert.equal(r.ok, true, JSON.stringify(r.checks));
    assert.deepEqual(
      r.checks.map((c) => c.name),
      ['manifest', 'pack_hash', 'pack_fields', 'signature', 'chain'],
    );
  });

  it('one changed byte fails, naming the hash mismatch', () => {
    const s = signed();
    const bytes = Buffer.from(s.pack.bytes);
    const i = bytes.indexOf('7-Zip');
    bytes[i] = '8'.charCodeAt(0);
    const r = verifyEvidenceBundle({ packBytes: bytes, manifest: s.manifest, signature: s.signature, publicKeys: s.keys });
    assert.equal(r.ok, false);
    const hash = r.checks.find((c) => c.name === 'pack_hash')!;
    assert.equal(hash.ok, false);
    assert.match(hash.detail, /pack SHA-256 mismatch: the bytes hash to [a-f0-9]{64}, the signed manifest says [a-f0-9]{64}/);
    assert.equal(r.checks.find((c) => c.name === 'signature')!.ok, true, 'the manifest itself is still authentic');
  });

  it('a wrong key fails the signature check; a forged manifest fails too', () => {
    const s = signed();
    const other = generateKeyPairSync('ed25519').publicKey;
    const wrong = [{ keyId: s.manifest.keyId, publicKeyPem: other.export({ type: 'spki', format: 'pem' }).toString() }];
    const r = verifyEvidenceBundle({ packBytes: s.pack.bytes, manifest: s.manifest, signature: s.signature, publicKeys: wrong });
    assert.match(r.checks.find((c) => c.name === 'signature')!.detail, /does not have id/);
    const forged = { ...s.manifest, version: 2 };
    const f = verifyEvidenceBundle({ packBytes: s.pack.bytes, manifest: forged, signature: s.signature, publicKeys: s.keys });
    assert.equal(f.ok, false);
    assert.match(f.checks.find((c) => c.name === 'signature')!.detail, /does not verify/);
    assert.match(f.checks.find((c) => c.name === 'pack_fields')!.detail, /version/);
  });

  it('a broken chain link is named', () => {
    const s = signed();
    const r = verifyEvidenceBundle({
      packBytes: s.pack.bytes,
      manifest: s.manifest,
      signature: s.signature,
      publicKeys: s.keys,
      previousPackSha256: 'c'.repeat(64),
    });
    assert.match(r.checks.find((c) => c.name === 'chain')!.detail, /chain broken/);
  });
});
