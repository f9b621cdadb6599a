import type { LandscapeConnector } from './landscape.connector';
import type { DevicePage, InventoryDevice, Memberships, PlaneInventory } from '../plane-inventory';

interface Computer {
  id: number;
  title: string;
  hostname?: string;
  tags?: string[];
  distribution?: string;
  last_ping_time?: string | null;
}

/**
 * Landscape inventory (vendor-contracts.md A4) through the connector's signed legacy API: `GetComputers` with `limit`
 * (default and, here, page size 1000) and `offset`; tags come with each computer. The query language has no time filter,
 * so every sync is full.
 */
export class LandscapeInventory implements PlaneInventory {
  readonly plane = 'landscape' as const;
  readonly incremental = false;
  readonly groupsInline = true;
  requests = 0;

  constructor(
    private readonly landscape: Pick<LandscapeConnector, 'action'>,
    private readonly opts: { pageSize?: number } = {},
  ) {}

  async readPage(cursor: string | null): Promise<DevicePage> {
    const offset = cursor ? Number(cursor) : 0;
    const limit = this.opts.pageSize ?? 1000;
    this.requests++;
    const computers = (await this.landscape.action<Computer[]>('GetComputers', { query: '', limit: String(limit), offset: String(offset) }))
      .body;
    const devices: InventoryDevice[] = computers.map((c) => {
      const [osName, ...version] = (c.distribution ?? '').split(' ');
      return {
        deviceKey: String(c.id),
        name: c.title,
        platform: 'linux',
        osName: osName || null,
        osVersion: version.join(' ') || null,
        groups: c.tags ?? [],
        lastSeenAt: c.last_ping_time ?? null,
      };
    });
    return { devices, cursor: computers.length === limit ? String(offset + limit) : null };
  }

  async memberships(): Promise<Memberships> {
    return new Map();
  }
}
