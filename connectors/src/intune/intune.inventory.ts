import type { IntuneClient } from './intune.client';
import { odataNext, odataString, type ODataPage } from '../shared/odata';
import {
  PER_DEVICE_MEMBERSHIP_LIMIT,
  readAllPages,
  type DevicePage,
  type InventoryDevice,
  type InventoryDevicePlatform,
  type Memberships,
  type PlaneInventory,
} from '../plane-inventory';

interface ManagedDevice {
  id: string;
  azureADDeviceId?: string;
  deviceName: string;
  operatingSystem: string;
  osVersion?: string;
  lastSyncDateTime?: string;
}

const PLATFORMS: Record<string, InventoryDevicePlatform> = { windows: 'windows', macos: 'macos', linux: 'linux' };
const ZERO_GUID = '00000000-0000-0000-0000-000000000000';
const SELECT = 'id,azureADDeviceId,deviceName,operatingSystem,osVersion,lastSyncDateTime';

/**
 * Intune inventory (vendor-contracts.md A1) through the Graph client the connector uses: `managedDevices` pages of up to
 * 1000 by @odata.nextLink (never `$skip`), incremental by `lastSyncDateTime ge`; groups from Entra: every group
 * (`GET /groups`) and its members (`$select=id&$top=999`), directory object ids mapped from `azureADDeviceId` by listing
 * `/devices` (`$select=id,deviceId&$top=999`). For a few changed devices: `/devices?$filter=deviceId eq` and `memberOf`.
 * Devices of other platforms (iOS, Android) are skipped; a zero-GUID azureADDeviceId has no directory object.
 */
export class IntuneInventory implements PlaneInventory {
  readonly plane = 'intune' as const;
  readonly incremental = true;
  readonly groupsInline = false;
  requests = 0;

  constructor(
    private readonly client: Pick<IntuneClient, 'request'>,
    private readonly opts: { pageSize?: number } = {},
  ) {}

  private async get<T>(path: string): Promise<T> {
    this.requests++;
    return this.client.request<T>('GET', path);
  }

  /** Every page of a directory listing. */
  private async all<T>(path: string): Promise<T[]> {
    return readAllPages(path, async (p) => {
      const page = await this.get<ODataPage<T>>(p);
      return { items: page.value, next: odataNext(page) };
    });
  }

  async readPage(cursor: string | null, since?: string): Promise<DevicePage> {
    const stamp = since ? new Date(since).toISOString().replace(/\.\d{3}Z$/, 'Z') : '';
    const filter = since ? `&$filter=${encodeURIComponent(`lastSyncDateTime ge ${stamp}`)}` : '';
    const path = cursor ?? `/v1.0/deviceManagement/managedDevices?$select=${SELECT}&$top=${this.opts.pageSize ?? 1000}${filter}`;
    const page = await this.get<ODataPage<ManagedDevice>>(path);
    const devices: InventoryDevice[] = [];
    for (const d of page.value) {
      const platform = PLATFORMS[d.operatingSystem.toLowerCase()];
      if (!platform) continue;
      const aad = d.azureADDeviceId && d.azureADDeviceId !== ZERO_GUID ? d.azureADDeviceId : undefined;
      devices.push({
        deviceKey: d.id,
        name: d.deviceName,
        platform,
        osName: d.operatingSystem,
        osVersion: d.osVersion ?? null,
        lastSeenAt: d.lastSyncDateTime ?? null,
        ref: aad,
      });
    }
    return { devices, cursor: odataNext(page) };
  }

  async memberships(devices?: readonly InventoryDevice[]): Promise<Memberships> {
    const out: Memberships = new Map();
    if (devices && devices.length <= PER_DEVICE_MEMBERSHIP_LIMIT) {
      for (const d of devices) {
        if (!d.ref) {
          out.set(d.deviceKey, { groups: [], directoryId: null });
          continue;
        }
        const lookup = `/v1.0/devices?$filter=${encodeURIComponent(`deviceId eq ${odataString(d.ref)}`)}&$select=id,deviceId&$top=2`;
        const found = await this.get<ODataPage<{ id: string }>>(lookup);
        // 0 = not in the directory; >1 = stale duplicates (A1), so no reliable membership either.
        const dir = found.value.length === 1 ? found.value[0]!.id : null;
        const memberOf = dir ? await this.all<{ displayName?: string }>(`/v1.0/devices/${dir}/memberOf?$select=id,displayName`) : [];
        const groups = memberOf.flatMap((g) => (g.displayName ? [g.displayName] : []));
        out.set(d.deviceKey, { groups, directoryId: dir });
      }
      return out;
    }
    // Full read: managedDevice id ← azureADDeviceId ← directory object id, then each group's members.
    const managed = new Map<string, string>();
    for (let cursor: string | null = null, first = true; first || cursor; first = false) {
      const page = await this.readPage(cursor);
      for (const d of page.devices) if (d.ref) managed.set(d.ref, d.deviceKey);
      cursor = page.cursor;
    }
    const byDirectory = new Map<string, string>();
    for (const o of await this.all<{ id: string; deviceId: string }>('/v1.0/devices?$select=id,deviceId&$top=999')) {
      const key = managed.get(o.deviceId);
      if (key) byDirectory.set(o.id, key);
    }
    for (const key of managed.values()) out.set(key, { groups: [], directoryId: null });
    for (const [dir, key] of byDirectory) out.get(key)!.directoryId = dir;
    for (const g of await this.all<{ id: string; displayName: string }>('/v1.0/groups?$select=id,displayName&$top=999')) {
      for (const m of await this.all<{ id: string; '@odata.type'?: string }>(`/v1.0/groups/${g.id}/members?$select=id&$top=999`)) {
        if (m['@odata.type'] && m['@odata.type'] !== '#microsoft.graph.device') continue;
        const key = byDirectory.get(m.id);
        if (key) out.get(key)!.groups.push(g.displayName);
      }
    }
    return out;
  }
}
