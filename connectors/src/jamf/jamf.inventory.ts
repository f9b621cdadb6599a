import type { JamfConnector } from './jamf.connector';
import type { DevicePage, InventoryDevice, Memberships, PlaneInventory } from '../plane-inventory';

interface Computer {
  id: string;
  general?: { name?: string; lastContactTime?: string; lastContact?: string; reportDate?: string } | null;
  operatingSystem?: { name?: string; version?: string } | null;
  groupMemberships?: { groupName?: string }[] | null;
}

/** Options of the Jamf inventory reader. */
export interface JamfInventoryOptions {
  /** `page-size` of computers-inventory; default 2000 (Jamf's maximum, A2). */
  pageSize?: number;
  /** API version of computers-inventory (`v1`, `v3`, `v4`; v4 renames lastContactTime to lastContact); default `v1`. */
  apiVersion?: 'v1' | 'v3' | 'v4';
}

/**
 * Jamf inventory (vendor-contracts.md A2) through the connector's token and HTTP client: `computers-inventory` with sections
 * GENERAL, OPERATING_SYSTEM and GROUP_MEMBERSHIPS (groups come inline), `sort=id:asc`, page by page; incremental by the RSQL
 * filter `general.reportDate>="<since>"`.
 */
export class JamfInventory implements PlaneInventory {
  readonly plane = 'jamf' as const;
  readonly incremental = true;
  readonly groupsInline = true;
  requests = 0;

  constructor(
    private readonly jamf: Pick<JamfConnector, 'req'>,
    private readonly opts: JamfInventoryOptions = {},
  ) {}

  async readPage(cursor: string | null, since?: string): Promise<DevicePage> {
    const page = cursor ? Number(cursor) : 0;
    const size = this.opts.pageSize ?? 2000;
    const filter = since ? `&filter=${encodeURIComponent(`general.reportDate>="${new Date(since).toISOString()}"`)}` : '';
    const sections = 'section=GENERAL&section=OPERATING_SYSTEM&section=GROUP_MEMBERSHIPS';
    const api = `/api/${this.opts.apiVersion ?? 'v1'}/computers-inventory`;
    const path = `${api}?${sections}&page=${page}&page-size=${size}&sort=id%3Aasc${filter}`;
    this.requests++;
    const body = JSON.parse((await this.jamf.req('GET', path)).text) as { totalCount: number; results: Computer[] };
    const devices: InventoryDevice[] = body.results.map((c) => ({
      deviceKey: c.id,
      name: c.general?.name ?? c.id,
      platform: 'macos',
      osName: c.operatingSystem?.name ?? null,
      osVersion: c.operatingSystem?.version ?? null,
      groups: (c.groupMemberships ?? []).flatMap((g) => (g.groupName ? [g.groupName] : [])),
      lastSeenAt: c.general?.lastContactTime ?? c.general?.lastContact ?? null,
    }));
    return { devices, cursor: (page + 1) * size < body.totalCount ? String(page + 1) : null };
  }

  /** Groups come with each page; nothing more to read. */
  async memberships(): Promise<Memberships> {
    return new Map();
  }
}
