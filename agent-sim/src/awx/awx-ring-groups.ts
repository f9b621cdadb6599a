import type express from 'express';
import type { RequestHandler } from 'express';
import type { FleetInventory } from '../shared/fleet-inventory';
import { intParam, oneParam } from '../shared/paging';
import { RingObjectStore } from '../shared/ring-objects';
import { AWX_FLEET_INVENTORY_ID, AWX_MAX_PAGE_SIZE, awxHostId } from './awx-inventory-routes';

/** Ids of groups created over the API start here (far from the fleet's own groups). */
export const AWX_RING_GROUP_ID_BASE = 5000;

/**
 * Inventory groups created over the API (ring targets, contracts A5): `GET /inventories/1/groups/?name=` (ring groups first),
 * `POST /inventories/1/groups/ {name}` (name unique per inventory → 400), `GET|POST /groups/{gid}/hosts/` (`{id}` associate,
 * idempotent 204; `{id, disassociate:true}` removes from the group), and the destructive
 * `POST /inventories/1/hosts/ {id, disassociate:true}`, which deletes the host from the inventory.
 */
export class AwxRingGroups {
  readonly store = new RingObjectStore((n) => String(AWX_RING_GROUP_ID_BASE + n));
  /** Hosts deleted through a disassociate on the inventory's host list. */
  deletedHosts = 0;

  constructor(
    private readonly inventory: FleetInventory,
    /** Names of the fleet's own groups (a ring group may not take one). */
    private readonly fleetGroupNames: () => string[],
  ) {}

  private fleetByHost(): Map<number, string> {
    return new Map(this.inventory.devices().map((d) => [awxHostId(d), d.id]));
  }

  /** Fleet device ids of the ring group `name` (a job's `limit`); undefined when no ring group has that name. */
  fleetMembers(name: string): string[] | undefined {
    const g = this.store.byName(name)[0];
    if (!g) return undefined;
    const map = this.fleetByHost();
    return [...g.members].map((h) => map.get(Number(h))).filter((x): x is string => x !== undefined);
  }

  register(app: express.Express, authed: RequestHandler): void {
    const view = (g: { id: string; name: string }) => ({
      id: Number(g.id),
      type: 'group',
      name: g.name,
      inventory: AWX_FLEET_INVENTORY_ID,
      variables: '',
    });
    app.get('/api/v2/inventories/:id/groups/', authed, (req, res, next) => {
      const name = oneParam(req, 'name');
      const found = name === undefined ? [] : this.store.byName(name);
      if (Number(req.params.id) !== AWX_FLEET_INVENTORY_ID || !found.length) return next();
      res.json({ count: found.length, next: null, previous: null, results: found.map(view) });
    });
    app.post('/api/v2/inventories/:id/groups/', authed, (req, res) => {
      if (Number(req.params.id) !== AWX_FLEET_INVENTORY_ID) return void res.status(404).json({ detail: 'Not found.' });
      const name = (req.body as { name?: unknown } | undefined)?.name;
      if (typeof name !== 'string' || !name.trim() || name.length > 512)
        return void res.status(400).json({ name: ['This field may not be blank.'] });
      if (this.store.byName(name).length || this.fleetGroupNames().includes(name)) {
        return void res.status(400).json({ __all__: ['Group with this Name and Inventory already exists.'] });
      }
      res.status(201).json(view(this.store.create(name)));
    });
    app.get('/api/v2/groups/:gid/hosts/', authed, (req, res, next) => {
      const g = this.store.get(String(req.params.gid));
      if (!g) return next();
      const size = Math.min(intParam(req, 'page_size', 25), AWX_MAX_PAGE_SIZE);
      const page = intParam(req, 'page', 1);
      const ids = [...g.members].map(Number).sort((a, b) => a - b);
      if (!Number.isFinite(size) || size < 1 || !Number.isFinite(page) || page < 1 || (page - 1) * size >= Math.max(ids.length, 1)) {
        return void res.status(404).json({ detail: 'Invalid page.' });
      }
      const results = ids.slice((page - 1) * size, page * size).map((id) => ({ id, type: 'host', inventory: AWX_FLEET_INVENTORY_ID }));
      const more = page * size < ids.length;
      res.json({
        count: ids.length,
        next: more ? `/api/v2/groups/${g.id}/hosts/?page=${page + 1}&page_size=${size}` : null,
        previous: null,
        results,
      });
    });
    app.post('/api/v2/groups/:gid/hosts/', authed, (req, res, next) => {
      const g = this.store.get(String(req.params.gid));
      if (!g) return next();
      const b = (req.body ?? {}) as { id?: unknown; disassociate?: unknown };
      if (typeof b.id !== 'number' || !this.fleetByHost().has(b.id)) return void res.status(400).json({ msg: 'Host does not exist.' });
      if (b.disassociate === true) {
        if (g.members.delete(String(b.id))) this.store.memberRemoves++;
      } else if (!g.members.has(String(b.id))) {
        g.members.add(String(b.id));
        this.store.memberAdds++;
      }
      res.status(204).end();
    });
    // contracts A5: disassociate on the inventory's host list deletes the host (simulated: it leaves the inventory).
    app.post('/api/v2/inventories/:id/hosts/', authed, (req, res) => {
      const b = (req.body ?? {}) as { id?: unknown; disassociate?: unknown };
      const fleetId = typeof b.id === 'number' ? this.fleetByHost().get(b.id) : undefined;
      if (!fleetId) return void res.status(400).json({ msg: 'Host does not exist.' });
      if (b.disassociate !== true) return void res.status(204).end();
      this.inventory.remove([fleetId]);
      this.store.forget(String(b.id));
      this.deletedHosts++;
      res.status(204).end();
    });
  }
}
