import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { generateFleet } from './fleet';

describe('simulated fleet', () => {
  it('is deterministic per seed and differs across seeds', () => {
    assert.deepEqual(generateFleet({ size: 500, seed: 7 }), generateFleet({ size: 500, seed: 7 }));
    assert.notDeepEqual(generateFleet({ size: 500, seed: 7 }), generateFleet({ size: 500, seed: 8 }));
  });

  it('has the requested size, a lab group and a plausible platform mix', () => {
    const fleet = generateFleet({ size: 10_000, labSize: 25 });
    assert.equal(fleet.length, 10_000);
    assert.equal(fleet.filter((d) => d.groups.includes('lab')).length, 25);
    const windows = fleet.filter((d) => d.platform === 'windows').length;
    assert.ok(windows > 6500 && windows < 7500, `windows=${windows}`);
    assert.equal(new Set(fleet.map((d) => d.id)).size, 10_000);
  });
});
