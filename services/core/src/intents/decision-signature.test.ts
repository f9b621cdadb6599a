import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { decisionKeyFrom, signDecision, verifyDecision, type DecisionClaims } from './decision-signature';

const key = decisionKeyFrom(randomBytes(32).toString('base64'));
const now = Date.parse('2026-01-01T12:00:00Z');
const claims: DecisionClaims = {
  kind: 'approve',
  workflowId: 'intent-t-1',
  cabItemId: 'cab-1',
  actor: 'carl',
  tokenId: 'tok-1',
  roles: ['change_manager', 'auditor'],
  evidenceHash: 'a'.repeat(64),
  issuedAt: new Date(now - 10_000).toISOString(),
  nonce: 'n-1',
};
const opts = { keys: [key], nowMs: now, maxAgeSeconds: 300 };

describe('CAB decision signatures (HMAC-SHA256)', () => {
  it('accepts what was signed, whatever the order of the roles', () => {
    const auth = signDecision(claims, key);
    assert.deepEqual(verifyDecision({ ...claims, roles: ['auditor', 'change_manager'] }, auth, opts), { ok: true });
  });

  it('refuses every changed claim', () => {
    const auth = signDecision(claims, key);
    const changes: Partial<DecisionClaims>[] = [
      { kind: 'reject' },
      { workflowId: 'intent-t-2' },
      { cabItemId: 'cab-2' },
      { actor: 'mallory' },
      { tokenId: 'tok-2' },
      { roles: ['change_manager', 'admin'] },
      { evidenceHash: 'b'.repeat(64) },
      { comment: 'added later' },
    ];
    for (const c of changes) {
      assert.deepEqual(verifyDecision({ ...claims, ...c }, auth, opts), { ok: false, reason: 'bad_mac' }, JSON.stringify(c));
    }
    assert.deepEqual(verifyDecision(claims, { ...auth, nonce: 'n-2' }, opts), { ok: false, reason: 'bad_mac' });
  });

  it('refuses unsigned, unknown-key, stale and future decisions', () => {
    const auth = signDecision(claims, key);
    assert.deepEqual(verifyDecision(claims, undefined, opts), { ok: false, reason: 'unsigned' });
    assert.deepEqual(verifyDecision(claims, { ...auth, mac: 'zz' }, opts), { ok: false, reason: 'unsigned' });
    const other = decisionKeyFrom(randomBytes(32).toString('base64'));
    assert.deepEqual(verifyDecision(claims, signDecision(claims, other), opts), { ok: false, reason: 'unknown_key' });
    assert.deepEqual(verifyDecision(claims, { ...signDecision(claims, other), keyId: key.id }, opts), { ok: false, reason: 'bad_mac' });
    assert.deepEqual(verifyDecision(claims, auth, { ...opts, maxAgeSeconds: 5 }), { ok: false, reason: 'stale' });
    const future = { ...claims, issuedAt: new Date(now + 120_000).toISOString() };
    assert.deepEqual(verifyDecision(future, signDecision(future, key), opts), { ok: false, reason: 'future' });
    assert.deepEqual(verifyDecision(claims, auth, { ...opts, keys: [] }), { ok: false, reason: 'unknown_key' });
  });

  it('accepts the previous key during a rotation', () => {
    const previous = decisionKeyFrom(randomBytes(32).toString('base64'));
    assert.deepEqual(verifyDecision(claims, signDecision(claims, previous), { ...opts, keys: [key, previous] }), { ok: true });
  });

  it('refuses short keys', () => {
    assert.throws(() => decisionKeyFrom(randomBytes(16).toString('base64')), /at least 32/);
  });
});
