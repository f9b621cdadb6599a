import type { SccmConnector } from './sccm.connector';
import { linkPath, type DevicePage, type InventoryDevice, type Memberships, type PlaneInventory } from '../plane-inventory';

interface ODataPage<T> {
  value: T[];
  '@odata.nextLink'?: string;
}

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
    const out: T[] = [];
    for (let next: string | undefined = path; next; ) {
      const page: ODataPage<T> = await this.get<T>(next);
      out.push(...page.value);
      next = page['@odata.nextLink'] ? linkPath(page['@odata.nextLink'], '/AdminService/wmi') : undefined;
    }
    return out;
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
    return { devices, cursor: page['@odata.nextLink'] ? linkPath(page['@odata.nextLink'], '/AdminService/wmi') : null };
  }

  async memberships(): Promise<Memberships> {
    const out: Memberships = new Map();
    const deviceType = encodeURIComponent('CollectionType eq 2');
    const deviceCollections = `/SMS_Collection?$select=CollectionID,Name,CollectionType&$filter=${deviceType}`;
    const collections = await this.all<{ CollectionID: string; Name: string }>(deviceCollections);
    for (const c of collections) {
      const byCollection = encodeURIComponent(`CollectionID eq '${c.CollectionID}'`);
      const members = `/SMS_FullCollectionMembership?$filter=${byCollection}&$select=ResourceID`;
      for (const m of await this.all<{ ResourceID: number }>(members)) {
        const key = String(m.ResourceID);
        const entry = out.get(key) ?? { groups: [] };
        entry.groups.push(c.Name);
        out.set(key, entry);
      }
    }
    return out;
  }
}
