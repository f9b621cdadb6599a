import { createHash } from 'node:crypto';
import { deviceListSha256 } from './targeting';

/** A ring of the plan as membership needs it: ring 0 names a lab group, later rings a percent of the remaining targets. */
export interface RingMembershipSpec {
  name: string;
  /** Named group (ring 0, the lab): members are that group ∩ targets. */
  group?: string;
  /** Share of the targets left after the group rings, 0–100 (absent = 100). The last ring always takes all that is left. */
  percent?: number;
}

/** Devices of one ring, as recorded in evidence. */
export interface RingMembers {
  index: number;
  name: string;
  deviceIds: string[];
  sha256: string;
}

/** Inputs of ring membership; `targets` is the frozen target snapshot's sorted ids. */
export interface RingMembershipInput {
  tenantId: string;
  packageName: string;
  targets: readonly string[];
  /** Members of each named group among the targets' devices (e.g. `lab`). */
  groupMembers: ReadonlyMap<string, ReadonlySet<string>>;
  rings: readonly RingMembershipSpec[];
}

/**
 * Stable rank key of a device for a package: the same (tenant, package, device) always sorts the same, whatever the
 * version, so a device keeps its ring across versions of a package (as Windows Autopatch does). Package names compare
 * case-insensitively, like the risk history does.
 */
export function ringRankKey(tenantId: string, packageName: string, deviceId: string): string {
  return createHash('sha256').update(`${tenantId}\u0001${packageName.toLowerCase()}\u0001${deviceId}`).digest('hex');
}

/**
 * Computes disjoint ring memberships: group rings take group ∩ targets (first ring that claims a device wins); the
 * remaining N targets are ordered by `ringRankKey` and cut at round(cumulative percent × N), so each percent ring is
 * within one device of its share and the last ring takes the rest.
 */
export function computeRingMembership(input: RingMembershipInput): RingMembers[] {
  const taken = new Set<string>();
  const out: RingMembers[] = input.rings.map((r, index) => ({ index, name: r.name, deviceIds: [], sha256: '' }));
  input.rings.forEach((r, i) => {
    if (r.group === undefined) return;
    const members = input.groupMembers.get(r.group) ?? new Set<string>();
    for (const id of input.targets) {
      if (members.has(id) && !taken.has(id)) {
        taken.add(id);
        out[i]!.deviceIds.push(id);
      }
    }
  });
  const rest = input.targets
    .filter((id) => !taken.has(id))
    .map((id) => ({ id, key: ringRankKey(input.tenantId, input.packageName, id) }))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const n = rest.length;
  const percentRings = input.rings.map((r, i) => ({ r, i })).filter(({ r }) => r.group === undefined);
  let cumulative = 0;
  let from = 0;
  percentRings.forEach(({ r, i }, k) => {
    const last = k === percentRings.length - 1;
    cumulative = Math.min(100, cumulative + (r.percent ?? 100));
    const to = last || cumulative >= 100 ? n : Math.round((cumulative * n) / 100);
    for (const { id } of rest.slice(from, to)) out[i]!.deviceIds.push(id);
    from = Math.max(from, to);
  });
  for (const ring of out) {
    ring.deviceIds.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    ring.sha256 = deviceListSha256(ring.deviceIds);
  }
  return out;
}
