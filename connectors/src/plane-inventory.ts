import type { Plane } from '@eucora/core';

/** Platforms the inventory knows; devices of other platforms (iOS, Android, …) are skipped by the readers. */
export type InventoryDevicePlatform = 'windows' | 'macos' | 'linux';

/** A device as a plane's inventory API returns it, mapped to EUCORA's shape (DeviceRepository.upsertMany takes it as is). */
export interface InventoryDevice {
  /** The plane's device id (Graph managedDevice id, Jamf computer id, SCCM ResourceID, Landscape computer id, AWX host name). */
  deviceKey: string;
  /** Directory id where the plane has one (Entra device object id); null or absent otherwise. */
  directoryId?: string | null;
  name: string;
  platform: InventoryDevicePlatform;
  osName?: string | null;
  osVersion?: string | null;
  /** The plane's groups/tags; absent when this read does not carry them (see `PlaneInventory.groupsInline`). */
  groups?: string[];
  lastSeenAt?: string | null;
  /** Plane-internal reference for follow-up reads (Entra deviceId, AWX host id); not stored. */
  ref?: string;
}

/** One page of a device listing; `cursor` resumes the listing after this page (null = done). */
export interface DevicePage {
  devices: InventoryDevice[];
  cursor: string | null;
}

/** Group memberships (and directory ids where the plane has them) of devices, by deviceKey. */
export type Memberships = Map<string, { groups: string[]; directoryId?: string | null }>;

/**
 * The inventory API of one plane (vendor-contracts.md A1–A5). Listing is paged with an opaque, serialisable cursor so a
 * sync resumes at the page it stopped at. `since` (ISO 8601) asks for devices changed since then where the plane can filter
 * on it (`incremental`); elsewhere it is ignored and the listing is full.
 */
export interface PlaneInventory {
  readonly plane: Plane;
  /** True when `readPage(_, since)` returns only devices changed since `since`. */
  readonly incremental: boolean;
  /** True when pages carry `groups`; otherwise `memberships()` reads them. */
  readonly groupsInline: boolean;
  /** One page: from the start when `cursor` is null, else from the cursor a previous page returned. */
  readPage(cursor: string | null, since?: string): Promise<DevicePage>;
  /**
   * Group memberships: of every device when `devices` is absent (a full read of the plane's groups), else of those devices
   * (cheap per-device reads for an incremental sync; the reader falls back to the full read for many devices).
   */
  memberships(devices?: readonly InventoryDevice[]): Promise<Memberships>;
  /** Requests made so far (for the inventory benchmark). */
  readonly requests: number;
}

/** Every page of the listing, resuming from `cursor`. */
export async function* listDevices(inventory: PlaneInventory, since?: string, cursor: string | null = null): AsyncIterable<DevicePage> {
  for (;;) {
    const page = await inventory.readPage(cursor, since);
    yield page;
    if (!page.cursor) return;
    cursor = page.cursor;
  }
}

/** Per-device reads are used for at most this many changed devices; above it the full membership read is cheaper. */
export const PER_DEVICE_MEMBERSHIP_LIMIT = 50;

/**
 * The path and query of a next link, without `prefix` (the client's base path). Only the path is taken: the request goes to
 * the configured base URL, so a link naming another host can never carry the plane's token off the plane.
 */
export function linkPath(link: string, prefix = ''): string {
  const url = new URL(link, 'http://plane.invalid');
  const path = prefix && url.pathname.startsWith(prefix) ? url.pathname.slice(prefix.length) : url.pathname;
  return `${path}${url.search}`;
}

/** Every entry of a paged listing from `first`: `read` returns a page's entries and the path of the next page (null = done). */
export async function readAllPages<T>(first: string, read: (path: string) => Promise<{ items: T[]; next: string | null }>): Promise<T[]> {
  const out: T[] = [];
  for (let next: string | null = first; next;) {
    const page: { items: T[]; next: string | null } = await read(next);
    out.push(...page.items);
    next = page.next;
  }
  return out;
}

/** Adds `group` to the memberships of device `deviceKey`. */
export function addMembership(out: Memberships, deviceKey: string, group: string): void {
  const entry = out.get(deviceKey) ?? { groups: [] };
  entry.groups.push(group);
  out.set(deviceKey, entry);
}
