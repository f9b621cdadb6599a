import type { AwxConnector } from './awx.connector';
import {
  addMembership,
  linkPath,
  PER_DEVICE_MEMBERSHIP_LIMIT,
  readAllPages,
  type DevicePage,
  type InventoryDevice,
  type Memberships,
  type PlaneInventory,
} from '../plane-inventory';

/** A page of an AWX list endpoint (`next` is a link to the next page, null on the last). */
export interface AwxPage<T> {
  count: number;
  next: string | null;
  results: T[];
}
interface Host {
  id: number;
  name: string;
  modified?: string;
  variables?: string;
}

/** Options of the AWX inventory reader. */
export interface AwxInventoryOptions {
  /** The AWX inventory holding the managed hosts; default 1. */
  inventoryId?: number;
  /** `page_size`; default 200 (AWX's cap, A5). */
  pageSize?: number;
}

/**
 * AWX inventory (vendor-contracts.md A5) through the connector's token: the inventory's hosts by `page_size`/`page`,
 * `order_by=id`, incremental by `modified__gt`; groups from `/inventories/{id}/groups/` and `/groups/{gid}/hosts/`, or for a
 * few changed hosts `/hosts/{id}/groups/`. The device key is the host name (what a job `limit` names).
 */
export class AwxInventory implements PlaneInventory {
  readonly plane = 'awx' as const;
  readonly incremental = true;
  readonly groupsInline = false;
  requests = 0;

  constructor(
    private readonly awx: Pick<AwxConnector, 'json'>,
    private readonly opts: AwxInventoryOptions = {},
  ) {}

  private async get<T>(path: string): Promise<AwxPage<T>> {
    this.requests++;
    return (await this.awx.json<AwxPage<T>>('GET', path)).body;
  }

  private async all<T>(path: string): Promise<T[]> {
    return readAllPages(path, async (p) => {
      const page = await this.get<T>(p);
      return { items: page.results, next: page.next ? linkPath(page.next) : null };
    });
  }

  private get size(): number {
    return this.opts.pageSize ?? 200;
  }

  async readPage(cursor: string | null, since?: string): Promise<DevicePage> {
    const filter = since ? `&modified__gt=${encodeURIComponent(new Date(since).toISOString())}` : '';
    const first = `/api/v2/inventories/${this.opts.inventoryId ?? 1}/hosts/?page_size=${this.size}&page=1&order_by=id${filter}`;
    const page = await this.get<Host>(cursor ?? first);
    const devices: InventoryDevice[] = page.results.map((h) => {
      let vars: Record<string, unknown> = {};
      try {
        vars = JSON.parse(h.variables || '{}') as Record<string, unknown>;
      } catch {
        // Variables may be YAML; the OS fields are then unknown.
      }
      const str = (v: unknown) => (typeof v === 'string' ? v : null);
      return {
        deviceKey: h.name,
        name: h.name,
        platform: 'linux',
        osName: str(vars.ansible_distribution),
        osVersion: str(vars.ansible_distribution_version),
        lastSeenAt: str(vars.last_contact) ?? h.modified ?? null,
        ref: String(h.id),
      };
    });
    return { devices, cursor: page.next ? linkPath(page.next) : null };
  }

  async memberships(devices?: readonly InventoryDevice[]): Promise<Memberships> {
    const out: Memberships = new Map();
    if (devices && devices.length <= PER_DEVICE_MEMBERSHIP_LIMIT) {
      for (const d of devices)
        out.set(d.deviceKey, {
          groups: (await this.all<{ name: string }>(`/api/v2/hosts/${d.ref}/groups/?page_size=${this.size}`)).map((g) => g.name),
        });
      return out;
    }
    const path = `/api/v2/inventories/${this.opts.inventoryId ?? 1}/groups/?page_size=${this.size}`;
    const groups = await this.all<{ id: number; name: string }>(path);
    for (const g of groups) {
      for (const h of await this.all<Host>(`/api/v2/groups/${g.id}/hosts/?page_size=${this.size}&order_by=id`))
        addMembership(out, h.name, g.name);
    }
    return out;
  }
}
