import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { canonicalJson } from './canonical-json';
import { chainEvent, GENESIS_HASH, verifyChain, type EventEnvelope } from './event-envelope';

const base = (n: number) => ({
  eventId: `00000000-0000-4000-8000-00000000000${n}`,
  tenantId: 't',
  aggregateType: 'deployment_intent',
  aggregateId: 'i',
  eventType: `e${n}`,
  actor: 'a',
  reason: 'r',
  data: { b: 2, a: [1, { d: 4, c: 3 }] },
  correlationId: 'c',
  createdAt: '2026-01-01T00:00:00.000Z',
});

function chain(n: number): EventEnvelope[] {
  const out: EventEnvelope[] = [];
  let prev = GENESIS_HASH;
  for (let i = 0; i < n; i++) {
    const e = chainEvent(base(i), prev);
    out.push(e);
    prev = e.hash;
  }
  return out;
}

describe('event envelope and hash chain', () => {
  it('canonical JSON sorts keys at every depth and drops undefined', () => {
    assert.equal(canonicalJson({ b: 1, a: { d: undefined, c: [2, { z: 1, y: 0 }] } }), '{"a":{"c":[2,{"y":0,"z":1}]},"b":1}');
  });

  it('same event → same hash; different prev → different hash', () => {
    assert.equal(chainEvent(base(1), GENESIS_HASH).hash, chainEvent(base(1), GENESIS_HASH).hash);
    assert.notEqual(chainEvent(base(1), GENESIS_HASH).hash, chainEvent(base(1), 'f'.repeat(64)).hash);
  });

  it('an intact chain verifies', () => {
    assert.deepEqual(verifyChain(chain(5)), { ok: true, checked: 5, lastHash: chain(5)[4]!.hash });
  });

  it('columns a stored row carries besides the envelope (e.g. seq) are not hashed', () => {
    const rows = chain(3).map((e, i) => ({ ...e, seq: String(i + 1) }));
    assert.deepEqual(verifyChain(rows), { ok: true, checked: 3, lastHash: rows[2]!.hash });
  });

  it('a changed field names the tampered event', () => {
    const events = chain(5);
    events[2] = { ...events[2]!, reason: 'edited' };
    const v = verifyChain(events);
    assert.equal(v.ok, false);
    assert.deepEqual(v.firstBroken, { eventId: events[2]!.eventId, reason: 'hash_mismatch' });
  });

  it('a removed event breaks the next link', () => {
    const events = chain(5);
    events.splice(1, 1);
    const v = verifyChain(events);
    assert.equal(v.firstBroken?.reason, 'prev_hash_mismatch');
    assert.equal(v.firstBroken?.eventId, events[1]!.eventId);
  });
});
