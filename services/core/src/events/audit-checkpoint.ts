import { createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { canonicalJson } from './canonical-json';
import type { PublishedKey } from '../evidence/evidence-signing';

/** A signed statement that a tenant's chain was verified up to `tenantSeq`, whose event has hash `headHash`. */
export interface AuditCheckpoint {
  tenantId: string;
  /** Per-tenant sequence number of the last covered event (decimal string: bigint). */
  tenantSeq: string;
  headHash: string;
  /** ISO-8601 UTC time of signing. */
  createdAt: string;
  /** Evidence signing key that signed it. */
  keyId: string;
}

/** The exact bytes that are signed: the canonical JSON of the checkpoint with a type tag. */
export function checkpointSigningBytes(cp: AuditCheckpoint): Buffer {
  const { tenantId, tenantSeq, headHash, createdAt, keyId } = cp;
  return Buffer.from(canonicalJson({ type: 'eucora.audit-checkpoint.v1', tenantId, tenantSeq, headHash, createdAt, keyId }), 'utf8');
}

/** Ed25519 signature (base64) of a checkpoint. */
export function signCheckpoint(cp: AuditCheckpoint, privateKey: KeyObject): string {
  return sign(null, checkpointSigningBytes(cp), privateKey).toString('base64');
}

/** True when `signature` is a valid signature of `cp` by the published key named in it. */
export function verifyCheckpointSignature(cp: AuditCheckpoint, signature: string, keys: PublishedKey[]): boolean {
  const key = keys.find((k) => k.keyId === cp.keyId);
  if (!key) return false;
  try {
    return verify(null, checkpointSigningBytes(cp), createPublicKey(key.publicKeyPem), Buffer.from(signature, 'base64'));
  } catch {
    return false;
  }
}
