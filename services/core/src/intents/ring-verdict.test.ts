import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ringVerdict, successPercent } from './ring-verdict';

describe('successPercent', () => {
  it('floors, excludes not-applicable devices and is 0 for empty rings', () => {
    assert.equal(successPercent({ targeted: 100, succeeded: 98, failed: 2, pending: 0, notApplicable: 0 }), 98);
    assert.equal(successPercent({ targeted: 3, succeeded: 2, failed: 0, pending: 1, notApplicable: 0 }), 66);
    assert.equal(successPercent({ targeted: 10, succeeded: 5, failed: 0, pending: 0, notApplicable: 5 }), 100);
    assert.equal(successPercent({ targeted: 0, succeeded: 0, failed: 0, pending: 0, notApplicable: 0 }), 0);
  });

  it('verdicts: failure beyond the failure budget, success at the threshold, pending otherwise', () => {
    assert.equal(ringVerdict({ targeted: 100, succeeded: 95, failed: 0, pending: 5, notApplicable: 0 }, 95), 'success');
    assert.equal(ringVerdict({ targeted: 100, succeeded: 90, failed: 6, pending: 4, notApplicable: 0 }, 95), 'failure');
    assert.equal(ringVerdict({ targeted: 100, succeeded: 90, failed: 5, pending: 5, notApplicable: 0 }, 95), 'pending');
    assert.equal(ringVerdict({ targeted: 10, succeeded: 9, failed: 1, pending: 0, notApplicable: 0 }, 100), 'failure');
    assert.equal(ringVerdict({ targeted: 0, succeeded: 0, failed: 0, pending: 0, notApplicable: 0 }, 95), 'pending');
  });
});
