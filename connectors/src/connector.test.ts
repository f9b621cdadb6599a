import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { successPercent } from './connector';

describe('successPercent', () => {
  it('floors, excludes not-applicable devices and is 0 for empty rings', () => {
    assert.equal(successPercent({ targeted: 100, succeeded: 98, failed: 2, pending: 0, notApplicable: 0 }), 98);
    assert.equal(successPercent({ targeted: 3, succeeded: 2, failed: 0, pending: 1, notApplicable: 0 }), 66);
    assert.equal(successPercent({ targeted: 10, succeeded: 5, failed: 0, pending: 0, notApplicable: 5 }), 100);
    assert.equal(successPercent({ targeted: 0, succeeded: 0, failed: 0, pending: 0, notApplicable: 0 }), 0);
  });
});
