import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { findUnsafeInput, jsonTextDepthExceeds, MAX_JSON_DEPTH, unsafeTextReason } from './text-safety';

describe('text safety (NUL, lone surrogates, depth)', () => {
  it('names NUL and lone surrogates in values and keys with their field path', () => {
    assert.equal(unsafeTextReason('plain ü 😀'), null);
    assert.match(unsafeTextReason('a\u0000b')!, /NUL/);
    assert.match(unsafeTextReason('x\ud800')!, /surrogate/);
    assert.match(unsafeTextReason('\udc00y')!, /surrogate/);
    const issues = findUnsafeInput({ reason: 'ok', nested: { list: ['fine', 'bad\u0000'] }, ['k\ud800']: 1, comment: '\ud83d' });
    assert.deepEqual(issues.map((i) => i.path).sort(), ['comment', 'k\\ud800', 'nested.list[1]'].sort());
    assert.deepEqual(findUnsafeInput({ a: [1, true, null, { b: '😀' }] }), []);
  });

  it('bounds depth without recursion: 100,000 levels are reported, not a stack overflow', () => {
    let deep: unknown = 'leaf';
    for (let i = 0; i < 100_000; i++) deep = [deep];
    const issues = findUnsafeInput({ vulnerabilityReport: deep });
    assert.equal(issues.length, 1);
    assert.match(issues[0]!.message, new RegExp(`deeper than ${MAX_JSON_DEPTH}`));
    let ok: unknown = 'leaf';
    for (let i = 0; i < MAX_JSON_DEPTH - 1; i++) ok = { a: ok };
    assert.deepEqual(findUnsafeInput(ok), []);
  });

  it('scans raw JSON depth outside strings only', () => {
    assert.equal(jsonTextDepthExceeds('['.repeat(65) + ']'.repeat(65)), true);
    assert.equal(jsonTextDepthExceeds('['.repeat(64) + ']'.repeat(64)), false);
    assert.equal(jsonTextDepthExceeds(JSON.stringify({ s: '['.repeat(500) + '\\"{{{{' })), false);
  });
});
