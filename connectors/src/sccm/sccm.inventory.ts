import type { SccmConnector } from './sccm.connector';
import {
  addMembership,
  readAllPages,
  type DevicePage,
  type InventoryDevice,
  type Memberships,
  type PlaneInventory,
} from '../plane-inventory';
import { odataNext, odataString, type ODataPage } from '../shared/odata';

/** Base path of the AdminService client, which next links repeat. */
const WMI = '/AdminService/wmi';

const SYSTEM_FIELDS = 'ResourceId,Name,Client,Obsolete,OperatingSystemNameandVersion,Build,LastLogonTimestamp';
const SYSTEM = `/SMS_R_System?$select=${SYSTEM_FIELDS}&$filter=${encodeURIComponent('Client eq 1 and Obsolete eq 0')}`;

interface SmsSystem {
  ResourceId: number;
  Name: string;
  Build?: string;
  OperatingSystemNameandVersion?: string;
  LastLogonTimestamp?: string;
}

/**
 * ConfigMgr inventory (vendor-contracts.md A3) through the connector's AdminService client: `SMS_R_System` of clients that
 * are not obsolete, page by @odata.nextLink; groups are device collections (`SMS_Collection`, CollectionType 2) and their
 * members (`SMS_FullCollectionMembership?$filter=CollectionID eq '…'`). No incremental filter: SMS_R_System has no
 * modification time in the contract, so every sync is full.
 */
export class SccmInventory implements PlaneInventory {
  readonly plane = 'sccm' as const;
  readonly incremental = false;
  readonly groupsInline = false;
  requests = 0;

  constructor(private readonly sccm: Pick<SccmConnector, 'call'>) {}

  private async get<T>(path: string): Promise<ODataPage<T>> {
    this.requests++;
    return (await this.sccm.call<ODataPage<T>>('GET', path)).body;
  }

  private async all<T>(path: string): Promise<T[]> {
    return readAllPages(path, async (p) => {
      const page = await this.get<T>(p);
      return { items: page.value, next: odataNext(page, WMI) };
    });
  }

  async readPage(cursor: string | null): Promise<DevicePage> {
    const page = await this.get<SmsSystem>(cursor ?? SYSTEM);
    const devices: InventoryDevice[] = page.value.map((s) => ({
      deviceKey: String(s.ResourceId),
      name: s.Name,
      platform: 'windows',
      osName: s.OperatingSystemNameandVersion ?? null,
      osVersion: s.Build ?? null,
      lastSeenAt: s.LastLogonTimestamp ?? null,
    }));
    return { devices, cursor: odataNext(page, WMI) };
  }

  async memberships(): Promise<Memberships> {
    const out: Memberships = new Map();
    const deviceType = encodeURIComponent('CollectionType eq 2');
    const deviceCollections = `/SMS_Collection?$select=CollectionID,Name,CollectionType&$filter=${deviceType}`;
    const collections = await this.all<{ CollectionID: string; Name: string }>(deviceCollections);
    for (const c of collections) {
      const byCollection = encodeURIComponent(`CollectionID eq ${odataString(c.CollectionID)}`);
      const members = `/SMS_FullCollectionMembership?$filter=${byCollection}&$select=ResourceID`;
      for (const m of await this.all<{ ResourceID: number }>(members)) addMembership(out, String(m.ResourceID), c.Name);
    }
    return out;
  }
}
