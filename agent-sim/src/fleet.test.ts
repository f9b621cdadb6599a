import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FLEET_DEPARTMENTS, FLEET_EPOCH, generateFleet, PLANE_PLATFORMS } from './fleet';

// Computed with the fleet generator of commit 988c377 (before the inventory attributes).
const PINNED_SIZES = [7034, 1964, 1002, 20];
const PINNED_PREFIX = 'wwwllwwmwlww';

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

describe('fleet attributes for inventory', () => {
  it('every device is in its platform, one department and one region group, with OS, serial and a last contact before the epoch', () => {
    const fleet = generateFleet({ size: 5000, labSize: 20 });
    for (const d of fleet) {
      assert.equal(d.groups.filter((g) => g.startsWith('dept-')).length, 1, d.id);
      assert.equal(d.groups.filter((g) => g.startsWith('region-')).length, 1, d.id);
      assert.ok(d.groups.includes(`all-${d.platform}`));
      assert.match(d.serial, /^SN[0-9A-Z]{8}$/);
      assert.ok(Date.parse(d.lastContact) < FLEET_EPOCH && Date.parse(d.lastContact) >= FLEET_EPOCH - 7 * 86_400_000);
      assert.ok(d.osVersion.length > 0 && d.osName.length > 0);
    }
    const depts = new Set(fleet.flatMap((d) => d.groups.filter((g) => g.startsWith('dept-'))));
    assert.equal(depts.size, FLEET_DEPARTMENTS.length, 'all departments used');
  });

  it('the new attributes leave the platform sequence and the platform and lab group sizes as they were', () => {
    // Pinned from the fleet before departments, regions and OS existed (seed 1, 10 000 devices).
    const fleet = generateFleet({ size: 10_000, labSize: 20 });
    const sizes = (g: string) => fleet.filter((d) => d.groups.includes(g)).length;
    assert.deepEqual([sizes('all-windows'), sizes('all-macos'), sizes('all-linux'), sizes('lab')], PINNED_SIZES);
    assert.equal(
      fleet
        .slice(0, 12)
        .map((d) => d.platform[0])
        .join(''),
      PINNED_PREFIX,
    );
  });

  it('PLANE_PLATFORMS gives Intune windows+macOS, SCCM windows, Jamf macOS, Landscape and AWX linux', () => {
    assert.deepEqual(PLANE_PLATFORMS, {
      intune: ['windows', 'macos'],
      sccm: ['windows'],
      jamf: ['macos'],
      landscape: ['linux'],
      awx: ['linux'],
    });
  });
});
