import { sha256Hex } from '../events/canonical-json';

/** Platforms an artifact can target (same as `artifact.platform`). */
export type DevicePlatform = 'windows' | 'macos' | 'linux';

/** What targeting needs to know of an inventory device. */
export interface TargetableDevice {
  /** EUCORA's stable device key within the tenant and plane (the plane's device id). */
  id: string;
  platform: DevicePlatform;
  /** The plane's groups/tags the device belongs to, as synced. */
  groups: readonly string[];
  /** Stale devices (seen by no sync for the configured time) are never targeted. Default false. */
  stale?: boolean;
}

/** Targeting of an intent: union of groups ∩ platform − exclusions (DESIGN.md §4). */
export interface TargetingRequest {
  groups: readonly string[];
  exclusions: readonly string[];
  platform: DevicePlatform;
}

/** The frozen target set recorded in the evidence pack. */
export interface TargetSnapshot {
  count: number;
  /** Device ids, sorted by code point so the hash is reproducible. */
  deviceIds: string[];
  /** SHA-256 of the sorted ids joined by `\n`. */
  sha256: string;
  /** Devices of the named groups by platform, before the platform filter: what a change manager sees on the CAB item. */
  platformSplit: Record<DevicePlatform, number>;
  /** Devices of the groups on another platform than the artifact's (not targeted). */
  otherPlatform: number;
  /** Devices of the groups removed because they are in an exclusion group. */
  excluded: number;
  /** Devices of the groups skipped because they are stale. */
  stale: number;
  /** Requested groups that matched no device: usually a typo or a group that was never synced. */
  unknownGroups: string[];
}

const byCodePoint = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Hash of a sorted id list, as recorded in evidence. */
export function deviceListSha256(sortedIds: readonly string[]): string {
  return sha256Hex(sortedIds.join('\n'));
}

/** Resolves the targets of an intent over an inventory; deterministic for the same inventory and request. */
export function resolveTargets(devices: Iterable<TargetableDevice>, req: TargetingRequest): TargetSnapshot {
  const wanted = new Set(req.groups);
  const excludedGroups = new Set(req.exclusions);
  const seenGroups = new Set<string>();
  const platformSplit: Record<DevicePlatform, number> = { windows: 0, macos: 0, linux: 0 };
  const ids: string[] = [];
  let otherPlatform = 0;
  let excluded = 0;
  let stale = 0;
  for (const d of devices) {
    let inGroup = false;
    let inExclusion = false;
    for (const g of d.groups) {
      if (wanted.has(g)) {
        inGroup = true;
        seenGroups.add(g);
      }
      if (excludedGroups.has(g)) inExclusion = true;
    }
    if (!inGroup) continue;
    platformSplit[d.platform]++;
    if (d.platform !== req.platform) otherPlatform++;
    else if (inExclusion) excluded++;
    else if (d.stale) stale++;
    else ids.push(d.id);
  }
  ids.sort(byCodePoint);
  return {
    count: ids.length,
    deviceIds: ids,
    sha256: deviceListSha256(ids),
    platformSplit,
    otherPlatform,
    excluded,
    stale,
    unknownGroups: req.groups.filter((g) => !seenGroups.has(g)),
  };
}
