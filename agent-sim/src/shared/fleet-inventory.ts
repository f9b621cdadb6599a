import express from 'express';
import { generateFleet, PLANE_PLATFORMS, type FleetOptions, type SimDevice } from '../fleet';

/** A device as one plane's inventory holds it: the fleet device, its index in the fleet and when it last changed. */
export interface PlaneDevice extends SimDevice {
  /** 0-based position in the fleet; planes derive their numeric ids from it (Jamf id, SCCM ResourceID, AWX host id). */
  index: number;
  /** Last change of the inventory record (ISO); incremental reads filter on it. */
  modified: string;
}

/**
 * The devices one plane simulator manages (its platforms of the shared fleet, PLANE_PLATFORMS), mutable at run time so that
 * tests and benchmarks can change or remove a few devices and measure an incremental re-sync or stale marking.
 */
export class FleetInventory {
  private readonly byId = new Map<string, PlaneDevice>();
  /** Devices in fleet order; removed devices are dropped from it. */
  private ordered: PlaneDevice[];
  /** Members by group, rebuilt after a change (every group route reads it). */
  private byGroup: Map<string, PlaneDevice[]> | null = null;

  constructor(fleet: FleetOptions, platforms: readonly SimDevice['platform'][]) {
    this.ordered = generateFleet(fleet)
      .map((d, index) => ({ ...d, index, modified: d.lastContact }))
      .filter((d) => platforms.includes(d.platform));
    for (const d of this.ordered) this.byId.set(d.id, d);
  }

  /** The inventory of `plane` over `fleet`. */
  static forPlane(plane: keyof typeof PLANE_PLATFORMS, fleet: FleetOptions = {}): FleetInventory {
    return new FleetInventory(fleet, PLANE_PLATFORMS[plane]);
  }

  /** Present devices in fleet order (= ascending numeric plane id). */
  devices(): readonly PlaneDevice[] {
    return this.ordered;
  }

  get(id: string): PlaneDevice | undefined {
    return this.byId.get(id);
  }

  private groupIndex(): Map<string, PlaneDevice[]> {
    if (!this.byGroup) {
      this.byGroup = new Map();
      for (const d of this.ordered) for (const g of d.groups) (this.byGroup.get(g) ?? this.byGroup.set(g, []).get(g)!).push(d);
    }
    return this.byGroup;
  }

  /** Members of a group, in fleet order. */
  members(group: string): PlaneDevice[] {
    return [...(this.groupIndex().get(group) ?? [])];
  }

  /** Every group name with its size. */
  groupSizes(): Record<string, number> {
    return Object.fromEntries([...this.groupIndex()].map(([g, m]) => [g, m.length]));
  }

  /** Device counts by platform (what a sync must end up with). */
  counts(): { total: number; byPlatform: Record<string, number> } {
    const byPlatform: Record<string, number> = {};
    for (const d of this.ordered) byPlatform[d.platform] = (byPlatform[d.platform] ?? 0) + 1;
    return { total: this.ordered.length, byPlatform };
  }

  /** A device checked in (and maybe changed): its last contact and modification time move to `at`; returns how many matched. */
  touch(ids: readonly string[], change: { osVersion?: string; addGroup?: string } = {}, at = new Date().toISOString()): number {
    let n = 0;
    for (const id of ids) {
      const d = this.byId.get(id);
      if (!d) continue;
      d.lastContact = at;
      d.modified = at;
      if (change.osVersion) d.osVersion = change.osVersion;
      if (change.addGroup && !d.groups.includes(change.addGroup)) d.groups = [...d.groups, change.addGroup];
      n++;
    }
    this.byGroup = null;
    return n;
  }

  /** Adds (or removes) group/tag `name` on these devices without touching their modification time; returns how many changed. */
  setGroup(ids: readonly string[], name: string, member: boolean): number {
    let n = 0;
    for (const id of ids) {
      const d = this.byId.get(id);
      if (!d || d.groups.includes(name) === member) continue;
      d.groups = member ? [...d.groups, name] : d.groups.filter((g) => g !== name);
      n++;
    }
    this.byGroup = null;
    return n;
  }

  /** Devices leave the plane (retired, unenrolled); returns how many were present. */
  remove(ids: readonly string[]): number {
    const gone = new Set(ids.filter((id) => this.byId.delete(id)));
    this.ordered = this.ordered.filter((d) => !gone.has(d.id));
    this.byGroup = null;
    return gone.size;
  }
}

/**
 * `GET /_sim/inventory` (counts and group sizes) and `POST /_sim/inventory {touch?, remove?, osVersion?, addGroup?}` (fleet
 * device ids): change the plane's inventory at run time to watch an incremental sync or stale marking. Admin routes, not
 * counted as plane requests.
 */
export function inventoryAdminRoutes(app: express.Express, inventory: () => FleetInventory | undefined): void {
  app.get('/_sim/inventory', (_req, res) => {
    const inv = inventory();
    if (!inv) return void res.status(404).json({ error: 'no inventory' });
    res.json({ ...inv.counts(), groups: inv.groupSizes() });
  });
  app.post('/_sim/inventory', express.json(), (req, res) => {
    const inv = inventory();
    const b = (req.body ?? {}) as { touch?: unknown; remove?: unknown; osVersion?: unknown; addGroup?: unknown };
    const ids = (v: unknown) => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
    if (!inv) return void res.status(404).json({ error: 'no inventory' });
    const touched = inv.touch(ids(b.touch), {
      osVersion: typeof b.osVersion === 'string' ? b.osVersion : undefined,
      addGroup: typeof b.addGroup === 'string' ? b.addGroup : undefined,
    });
    res.json({ touched, removed: inv.remove(ids(b.remove)), ...inv.counts() });
  });
}
