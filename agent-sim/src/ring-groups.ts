import { unit } from './sim-clock';
import type { SimDevice } from './fleet';

/** Default ring groups of the simulated directory: the ring names of the default ring plan (DESIGN.md §4). */
export const DEFAULT_RING_GROUPS = [
  { name: 'lab' },
  { name: 'ring1-canary', share: 0.01 },
  { name: 'ring2-pilot', share: 0.1 },
  { name: 'ring3-broad', share: 1 },
] as const;

/**
 * Places every non-lab device in exactly one ring group by a stable hash: ~1% canary, ~10% pilot, the rest broad.
 * Lab devices (group `lab` from the fleet) form ring 0.
 */
export function assignRingGroups(devices: SimDevice[]): Map<string, string[]> {
  const groups = new Map<string, string[]>(DEFAULT_RING_GROUPS.map((g) => [g.name, []]));
  for (const d of devices) {
    for (const g of d.groups) {
      if (!groups.has(g)) groups.set(g, []);
      groups.get(g)!.push(d.id);
    }
    if (d.groups.includes('lab')) continue;
    const u = unit(`ring:${d.id}`);
    const ring = u < 0.01 ? 'ring1-canary' : u < 0.11 ? 'ring2-pilot' : 'ring3-broad';
    groups.get(ring)!.push(d.id);
  }
  return groups;
}
