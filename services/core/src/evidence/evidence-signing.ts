import { createHash, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { z } from 'zod';
import { canonicalJson, sha256Hex } from '../events/canonical-json';
import { isoDateTime } from '../validation/date-time.schema';

/** What is signed for each pack: never the pack itself, a small manifest that names its hash. */
export const manifestSchema = z
  .object({
    kind: z.literal('eucora.evidence-manifest'),
    algorithm: z.literal('Ed25519'),
    keyId: z.string().regex(/^[a-f0-9]{16}$/),
    packSha256: z.string().regex(/^[a-f0-9]{64}$/),
    tenantId: z.string().uuid(),
    intentId: z.string().uuid(),
    version: z.number().int().min(1),
    previousPackHash: z
      .string()
      .regex(/^[a-f0-9]{64}$/)
      .nullable(),
    signedAt: isoDateTime({ offset: false }),
  })
  .strict();
export type EvidenceManifest = z.infer<typeof manifestSchema>;

/** A public key as published by `GET /api/v1/evidence/signing-keys`. */
export interface PublishedKey {
  keyId: string;
  algorithm: 'Ed25519';
  publicKeyPem: string;
  createdAt: string;
  active: boolean;
}

/** Key id: the first 16 hex characters of SHA-256 over the public key's DER (SPKI). */
export function keyIdOf(publicKey: KeyObject): string {
  return createHash('sha256')
    .update(publicKey.export({ type: 'spki', format: 'der' }))
    .digest('hex')
    .slice(0, 16);
}

/** Signs the canonical JSON of a manifest; returns base64. */
export function signManifest(manifest: EvidenceManifest, privateKey: KeyObject): string {
  return sign(null, Buffer.from(canonicalJson(manifest)), privateKey).toString('base64');
}

/** One check of an offline verification. */
export interface VerificationCheck {
  name: 'manifest' | 'pack_hash' | 'pack_fields' | 'signature' | 'chain';
  ok: boolean;
  detail: string;
}

/** Everything an auditor holds after `eucora evidence pull`. */
export interface EvidenceBundle {
  packBytes: Buffer;
  manifest: unknown;
  signature: string;
  publicKeys: { keyId: string; publicKeyPem: string }[];
  /** The previous pack's bytes hash, when the auditor also holds it (chain check). */
  previousPackSha256?: string | null;
}

/**
 * Verifies a pack offline with only public keys: the manifest is well-formed, the pack bytes hash to the manifest's
 * hash, the pack's own ids match the manifest, the Ed25519 signature holds for the key id, and (when given) the chain link.
 * Each failed check names what does not match.
 */
export function verifyEvidenceBundle(b: EvidenceBundle): { ok: boolean; checks: VerificationCheck[] } {
  const checks: VerificationCheck[] = [];
  const parsed = manifestSchema.safeParse(b.manifest);
  if (!parsed.success) {
    checks.push({
      name: 'manifest',
      ok: false,
      detail: `manifest is malformed: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    });
    return { ok: false, checks };
  }
  const m = parsed.data;
  checks.push({ name: 'manifest', ok: true, detail: `manifest for pack v${m.version} of intent ${m.intentId}, key ${m.keyId}` });

  const actual = sha256Hex(b.packBytes);
  checks.push(
    actual === m.packSha256
      ? { name: 'pack_hash', ok: true, detail: `pack SHA-256 ${actual} matches the manifest` }
      : {
          name: 'pack_hash',
          ok: false,
          detail: `pack SHA-256 mismatch: the bytes hash to ${actual}, the signed manifest says ${m.packSha256}`,
        },
  );

  let pack: Record<string, unknown> | null = null;
  try {
    pack = JSON.parse(b.packBytes.toString('utf8')) as Record<string, unknown>;
  } catch {
    checks.push({ name: 'pack_fields', ok: false, detail: 'pack is not valid JSON' });
  }
  if (pack) {
    const wrong = (['tenantId', 'intentId', 'version', 'previousPackHash'] as const).filter((k) => pack![k] !== m[k]);
    checks.push(
      wrong.length === 0
        ? { name: 'pack_fields', ok: true, detail: 'tenant, intent, version and previous hash in the pack match the manifest' }
        : {
            name: 'pack_fields',
            ok: false,
            detail:
              'pack fields differ from the manifest: ' +
              wrong.map((k) => `${k} (pack ${JSON.stringify(pack![k])}, manifest ${JSON.stringify(m[k])})`).join(', '),
          },
    );
  }

  const key = b.publicKeys.find((k) => k.keyId === m.keyId);
  if (!key) {
    checks.push({ name: 'signature', ok: false, detail: `no public key with id ${m.keyId} was supplied` });
  } else {
    let ok = false;
    let detail: string;
    try {
      const pub = createPublicKey(key.publicKeyPem);
      if (keyIdOf(pub) !== m.keyId) detail = `the supplied key does not have id ${m.keyId} (it is ${keyIdOf(pub)})`;
      else {
        ok = verify(null, Buffer.from(canonicalJson(m)), pub, Buffer.from(b.signature, 'base64'));
        detail = ok ? `Ed25519 signature valid for key ${m.keyId}` : `Ed25519 signature does not verify with key ${m.keyId}`;
      }
    } catch (err) {
      detail = `public key unusable: ${(err as Error).message}`;
    }
    checks.push({ name: 'signature', ok, detail });
  }

  if (b.previousPackSha256 !== undefined) {
    checks.push(
      b.previousPackSha256 === m.previousPackHash
        ? { name: 'chain', ok: true, detail: m.previousPackHash ? `chained to ${m.previousPackHash}` : 'first pack of the intent' }
        : {
            name: 'chain',
            ok: false,
            detail: `chain broken: manifest says previous ${m.previousPackHash}, previous pack is ${b.previousPackSha256}`,
          },
    );
  }
  return { ok: checks.every((c) => c.ok), checks };
}
