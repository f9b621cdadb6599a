import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { canonicalJson } from '../events/canonical-json';

/**
 * CAB decisions are authenticated end to end: the API, after it authenticated the caller's token, signs the decision with
 * HMAC-SHA256 under `EUCORA_DECISION_KEY`; the worker, which holds the same key, verifies it before the workflow counts the
 * decision. An update sent straight to Temporal (no token, made-up roles) carries no valid MAC and is refused.
 * Symmetric on purpose: API and worker are one trust zone that already shares the database and connector keys, the key never
 * enters workflow history, and rotation is one setting (plus `EUCORA_DECISION_KEY_PREVIOUS` while it rolls out).
 */
export const DECISION_SIGNATURE_VERSION = 1;

/** What the MAC covers: who decided what, on which gate, when. */
export interface DecisionClaims {
  kind: 'approve' | 'reject';
  workflowId: string;
  cabItemId: string;
  actor: string;
  tokenId: string;
  roles: readonly string[];
  evidenceHash: string;
  comment?: string;
  /** ISO-8601 time the API signed the decision. */
  issuedAt: string;
  /** Random per decision, so two decisions never share a MAC. */
  nonce: string;
}

/** The signature block sent with a decision. */
export interface DecisionAuth {
  v: number;
  /** Key id: first 16 hex digits of SHA-256 of the key, so the verifier picks the right key during a rotation. */
  keyId: string;
  issuedAt: string;
  nonce: string;
  /** Lower-case hex HMAC-SHA256. */
  mac: string;
}

/** A decoded decision key (≥ 32 random bytes, base64 in the setting). */
export interface DecisionKey {
  id: string;
  secret: Buffer;
}

/** Decodes a base64 key setting; throws when it is shorter than 32 bytes. */
export function decisionKeyFrom(base64: string): DecisionKey {
  const secret = Buffer.from(base64, 'base64');
  if (secret.length < 32) throw new Error('EUCORA_DECISION_KEY must be at least 32 random bytes, base64-encoded');
  return { id: createHash('sha256').update(secret).digest('hex').slice(0, 16), secret };
}

function payload(c: DecisionClaims): string {
  return canonicalJson({
    v: DECISION_SIGNATURE_VERSION,
    kind: c.kind,
    workflowId: c.workflowId,
    cabItemId: c.cabItemId,
    actor: c.actor,
    tokenId: c.tokenId,
    roles: [...c.roles].sort(),
    evidenceHash: c.evidenceHash,
    comment: c.comment ?? null,
    issuedAt: c.issuedAt,
    nonce: c.nonce,
  });
}

/** Signs the claims with `key`. */
export function signDecision(claims: DecisionClaims, key: DecisionKey): DecisionAuth {
  const mac = createHmac('sha256', key.secret).update(payload(claims)).digest('hex');
  return { v: DECISION_SIGNATURE_VERSION, keyId: key.id, issuedAt: claims.issuedAt, nonce: claims.nonce, mac };
}

/** Why a decision was refused; `ok` when its MAC matches one of the keys and it is fresh. */
export type DecisionVerdict = { ok: true } | { ok: false; reason: 'unsigned' | 'unknown_key' | 'bad_mac' | 'stale' | 'future' };

/** Options of `verifyDecision`. */
export interface VerifyDecisionOptions {
  /** Accepted keys (current first, then the previous one during a rotation). */
  keys: readonly DecisionKey[];
  /** Verifier's clock, ms since the epoch. */
  nowMs: number;
  /** Oldest accepted decision, seconds. */
  maxAgeSeconds: number;
  /** Tolerated clock skew into the future, seconds; default 60. */
  maxSkewSeconds?: number;
}

/** Verifies the MAC in constant time, then freshness. */
export function verifyDecision(
  claims: Omit<DecisionClaims, 'issuedAt' | 'nonce'>,
  auth: DecisionAuth | undefined,
  o: VerifyDecisionOptions,
): DecisionVerdict {
  if (!auth || auth.v !== DECISION_SIGNATURE_VERSION || typeof auth.mac !== 'string' || !/^[a-f0-9]{64}$/.test(auth.mac)) {
    return { ok: false, reason: 'unsigned' };
  }
  const key = o.keys.find((k) => k.id === auth.keyId);
  if (!key) return { ok: false, reason: 'unknown_key' };
  const expected = Buffer.from(signDecision({ ...claims, issuedAt: auth.issuedAt, nonce: auth.nonce }, key).mac, 'hex');
  if (!timingSafeEqual(expected, Buffer.from(auth.mac, 'hex'))) return { ok: false, reason: 'bad_mac' };
  const at = Date.parse(auth.issuedAt);
  if (!Number.isFinite(at) || o.nowMs - at > o.maxAgeSeconds * 1000) return { ok: false, reason: 'stale' };
  if (at - o.nowMs > (o.maxSkewSeconds ?? 60) * 1000) return { ok: false, reason: 'future' };
  return { ok: true };
}
