import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isoDateTime, isRealDateTime, isUuid } from './date-time.schema';

describe('isoDateTime: only real dates', () => {
  it('accepts real RFC 3339 date-times', () => {
    for (const s of ['2026-01-31T23:59:59Z', '2024-02-29T00:00:00+01:00', '0001-01-01T00:00:00Z', '2026-06-01T12:00:00.123-23:59']) {
      assert.equal(isoDateTime().safeParse(s).success, true, s);
    }
  });
  it('refuses impossible offsets, year 0000 and non-calendar dates', () => {
    for (const s of [
      '2026-01-01T00:00:00+99:99',
      '2026-01-01T00:00:00+24:00',
      '2026-01-01T00:00:00-12:60',
      '0000-01-01T00:00:00Z',
      '2025-02-29T00:00:00Z',
      '2026-04-31T00:00:00Z',
      '2026-13-01T00:00:00Z',
      '2026-01-01T24:00:00Z',
      'tomorrow',
    ]) {
      assert.equal(isRealDateTime(s), false, s);
      assert.equal(isoDateTime().safeParse(s).success, false, s);
    }
  });
  it('isUuid wants the canonical form', () => {
    assert.equal(isUuid('00000000-0000-4000-8000-000000000000'), true);
    assert.equal(isUuid('-'.repeat(36)), false);
    assert.equal(isUuid('a'.repeat(36)), false);
  });
});
