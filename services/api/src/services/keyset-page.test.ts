import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { keysetPage } from './keyset-page';

describe('keysetPage', () => {
  const rows = [{ id: 'a' }, { id: 'b' }, { id: 'c' }];

  it('the extra row means more follow: the page stops at the limit, the cursor is its last id', () => {
    assert.deepEqual(
      keysetPage(rows, 2, (r) => r.id),
      { page: [{ id: 'a' }, { id: 'b' }], next: 'b' },
    );
  });

  it('no extra row: the last page, no cursor', () => {
    assert.deepEqual(
      keysetPage(rows, 3, (r) => r.id),
      { page: rows, next: null },
    );
    assert.deepEqual(
      keysetPage([], 3, (r: { id: string }) => r.id),
      { page: [], next: null },
    );
  });
});
