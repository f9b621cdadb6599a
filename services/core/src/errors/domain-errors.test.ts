import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import {
  ConflictError,
  InputError,
  isConflictError,
  isInputError,
  isNotFoundError,
  isPermanentDomainError,
  isUpstreamUnavailableError,
  NotFoundError,
  UpstreamUnavailableError,
} from './domain-errors';
import { inputErrorFromZod } from './zod-issues';

describe('domain errors', () => {
  it('guards recognise their own kind only, also across serialisation', () => {
    const e = new NotFoundError('x');
    assert.ok(isNotFoundError(e));
    assert.ok(!isInputError(e));
    assert.ok(isNotFoundError(JSON.parse(JSON.stringify({ kind: e.kind }))));
    assert.ok(!isConflictError(null));
  });

  it('only upstream unavailability is retryable', () => {
    assert.ok(isPermanentDomainError(new InputError('x')));
    assert.ok(isPermanentDomainError(new ConflictError('x')));
    const up = new UpstreamUnavailableError('down', 'intune', 30);
    assert.equal(up.retryable, true);
    assert.equal(up.retryAfterSeconds, 30);
    assert.ok(isUpstreamUnavailableError(up));
    assert.equal(isPermanentDomainError(up), false);
  });

  it('zod failures become InputError naming every field path', () => {
    const r = z.object({ a: z.object({ b: z.number() }), c: z.string() }).safeParse({ a: { b: 'x' } });
    assert.ok(!r.success);
    const err = inputErrorFromZod(r.error, 'thing');
    assert.deepEqual(
      err.issues.map((i) => i.path),
      ['a.b', 'c'],
    );
    assert.match(err.message, /^Invalid thing: a\.b:/);
  });
});
