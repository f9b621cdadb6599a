import type express from 'express';
import type { Request, RequestHandler, Response } from 'express';
import type { FleetInventory, PlaneDevice } from '../shared/fleet-inventory';
import { intParam, oneParam, selfLink } from '../shared/paging';

/** AWX's page_size default and cap (vendor-contracts.md A5: default 25, capped at 200). */
export const AWX_DEFAULT_PAGE_SIZE = 25;
export const AWX_MAX_PAGE_SIZE = 200;
/** The inventory that holds the fleet's Linux hosts. */
export const AWX_FLEET_INVENTORY_ID = 1;
/** Ids of the fleet's inventory groups start here. */
export const AWX_FLEET_GROUP_ID_BASE = 300;

/** The AWX host id of a fleet device. */
export const awxHostId = (d: Pick<PlaneDevice, 'index'>): number => d.index + 1;

/**
 * AWX inventory of the simulator (vendor-contracts.md A5) over the fleet's Linux devices, in inventory 1:
 * `GET /api/v2/inventories/1/hosts/` (page_size capped at 200, page, order_by=id|name, `modified__gt`/`modified__gte`),
 * `GET /api/v2/inventories/1/groups/` (`name=`), `GET /api/v2/groups/{gid}/hosts/` and `GET /api/v2/hosts/{id}/groups/`.
 * Pages past the end answer 404 `Invalid page.` as Django REST framework does.
 */
export function registerAwxInventoryRoutes(app: express.Express, inventory: FleetInventory, authed: RequestHandler): void {
  const groups = () =>
    Object.keys(inventory.groupSizes())
      .sort()
      .map((name, i) => ({ id: AWX_FLEET_GROUP_ID_BASE + i, name }));
  const hostView = (d: PlaneDevice) => ({
    id: awxHostId(d),
    type: 'host',
    name: d.name,
    inventory: AWX_FLEET_INVENTORY_ID,
    enabled: true,
    instance_id: '',
    modified: d.modified,
    variables: JSON.stringify({
      ansible_distribution: d.osName,
      ansible_distribution_version: d.osVersion,
      serial: d.serial,
      last_contact: d.lastContact,
    }),
  });

  /** DRF page-number pagination; `null` when an error was written. */
  const paged = <T, V = T>(req: Request, res: Response, items: T[], view: (t: T) => V = (t) => t as unknown as V) => {
    const size = Math.min(intParam(req, 'page_size', AWX_DEFAULT_PAGE_SIZE), AWX_MAX_PAGE_SIZE);
    const page = intParam(req, 'page', 1);
    if (!Number.isFinite(size) || size < 1 || !Number.isFinite(page) || page < 1 || (page - 1) * size >= Math.max(items.length, 1)) {
      return void res.status(404).json({ detail: 'Invalid page.' });
    }
    // Only the page is rendered: a host's view serialises its variables.
    const results = items.slice((page - 1) * size, page * size).map(view);
    res.json({
      count: items.length,
      next: page * size < items.length ? selfLink(req, { page: page + 1, page_size: size }).replace(/^https?:\/\/[^/]+/, '') : null,
      previous: page > 1 ? selfLink(req, { page: page - 1, page_size: size }).replace(/^https?:\/\/[^/]+/, '') : null,
      results,
    });
  };
  const ordered = (req: Request, res: Response, hosts: PlaneDevice[]): PlaneDevice[] | null => {
    const order = oneParam(req, 'order_by') ?? 'name';
    if (!['id', '-id', 'name', '-name'].includes(order)) {
      res.status(400).json({ detail: `Invalid order_by: ${order.slice(0, 40)}` });
      return null;
    }
    const key = order.replace('-', '');
    // Fleet order is id order already.
    const sorted = key === 'id' ? [...hosts] : [...hosts].sort((a, b) => a.name.localeCompare(b.name));
    return order.startsWith('-') ? sorted.reverse() : sorted;
  };
  const inventoryOr404 = (req: Request, res: Response) => {
    if (Number(req.params.id) === AWX_FLEET_INVENTORY_ID) return true;
    res.status(404).json({ detail: 'Not found.' });
    return false;
  };

  app.get('/api/v2/inventories/:id/hosts/', authed, (req, res) => {
    if (!inventoryOr404(req, res)) return;
    let hosts = [...inventory.devices()];
    for (const [param, strict] of [
      ['modified__gt', true],
      ['modified__gte', false],
    ] as const) {
      const v = oneParam(req, param);
      if (v === undefined) continue;
      const t = Date.parse(v);
      if (Number.isNaN(t)) return void res.status(400).json({ [param]: [`“${v.slice(0, 40)}” value has an invalid format.`] });
      hosts = hosts.filter((d) => (strict ? Date.parse(d.modified) > t : Date.parse(d.modified) >= t));
    }
    const sorted = ordered(req, res, hosts);
    if (sorted) paged(req, res, sorted, hostView);
  });
  app.get('/api/v2/inventories/:id/groups/', authed, (req, res) => {
    if (!inventoryOr404(req, res)) return;
    const name = oneParam(req, 'name');
    paged(
      req,
      res,
      groups()
        .filter((g) => name === undefined || g.name === name)
        .map((g) => ({
          ...g,
          type: 'group',
          inventory: AWX_FLEET_INVENTORY_ID,
        })),
    );
  });
  app.get('/api/v2/groups/:gid/hosts/', authed, (req, res, next) => {
    const g = groups().find((x) => x.id === Number(req.params.gid));
    if (!g) return next();
    const sorted = ordered(req, res, inventory.members(g.name));
    if (sorted) paged(req, res, sorted, hostView);
  });
  app.get('/api/v2/hosts/:id/groups/', authed, (req, res) => {
    const d = inventory.devices().find((x) => awxHostId(x) === Number(req.params.id));
    if (!d) return void res.status(404).json({ detail: 'Not found.' });
    const byName = new Map(groups().map((g) => [g.name, g.id]));
    paged(
      req,
      res,
      [...d.groups].sort().map((n) => ({ id: byName.get(n), name: n, type: 'group', inventory: AWX_FLEET_INVENTORY_ID })),
    );
  });
}
