import type express from 'express';
import type { RequestHandler, Response } from 'express';
import type { FleetInventory, PlaneDevice } from '../shared/fleet-inventory';
import { odataMatches } from '../shared/odata';
import { oneParam, selfLink } from '../shared/paging';

/** Server-driven page size of the simulated AdminService (paging by @odata.nextLink is *(unverified)* in A3). */
export const SCCM_PAGE_SIZE = 1000;
/** ResourceIDs of SMS_R_System start here (ConfigMgr numbers resources from 16777216 up). */
export const SCCM_RESOURCE_ID_BASE = 16777216;

/** The ResourceID of a fleet device. */
export const sccmResourceId = (d: Pick<PlaneDevice, 'index'>): number => SCCM_RESOURCE_ID_BASE + d.index;
/** Every 97th device also has an obsolete record (a re-imaged machine), which the `Obsolete eq 0` filter must drop. */
const hasObsoleteTwin = (d: PlaneDevice) => d.index % 97 === 0;

type Obj = Record<string, unknown>;

function sccmError(res: Response, status: number, message: string): void {
  res.status(status).json({ error: { code: String(status), message } });
}

/**
 * AdminService inventory of the SCCM simulator (vendor-contracts.md A3) over the fleet's Windows devices:
 * `GET wmi/SMS_R_System` ($select, $filter e.g. `Client eq 1 and Obsolete eq 0`, server-driven pages with @odata.nextLink;
 * obsolete twin records included as on a real site) and `GET wmi/SMS_FullCollectionMembership?$filter=CollectionID eq '…'`
 * for the collections named like fleet groups. `collectionName` resolves a CollectionID to its Name.
 */
export function registerSccmInventoryRoutes(
  app: express.Express,
  inventory: FleetInventory,
  authed: RequestHandler,
  collectionName: (id: string) => string | undefined,
): void {
  const base = '/AdminService/wmi';
  const systems = (): Obj[] =>
    inventory.devices().flatMap((d) => {
      const row = {
        ResourceId: sccmResourceId(d),
        Name: d.name,
        Client: 1,
        Obsolete: 0,
        Active: 1,
        OperatingSystemNameandVersion: `Microsoft Windows NT Workstation ${d.osVersion.split('.').slice(0, 2).join('.')}`,
        Build: d.osVersion,
        SMBIOSGUID: d.id.toUpperCase(),
        LastLogonTimestamp: d.lastContact,
      };
      return hasObsoleteTwin(d)
        ? [row, { ...row, ResourceId: SCCM_RESOURCE_ID_BASE + 1_000_000 + d.index, Client: 0, Obsolete: 1, Active: 0 }]
        : [row];
    });

  /** Filters, pages (`$skiptoken` = offset) and selects, as OData does; errors in AdminService's shape. */
  const serve = (req: express.Request, res: Response, cls: string, rows: Obj[]) => {
    if (oneParam(req, '$skip') !== undefined)
      return sccmError(res, 400, 'The query parameter $skip is not supported; follow @odata.nextLink');
    let match;
    try {
      match = odataMatches(oneParam(req, '$filter'));
    } catch (err) {
      return sccmError(res, 400, (err as Error).message);
    }
    const all = rows.filter(match);
    const token = oneParam(req, '$skiptoken') ?? '0';
    if (!/^\d{1,9}$/.test(token)) return sccmError(res, 400, 'Invalid $skiptoken');
    const offset = Number(token);
    const sel = oneParam(req, '$select')
      ?.split(',')
      .map((s) => s.trim());
    const value = all.slice(offset, offset + SCCM_PAGE_SIZE).map((o) => (sel ? Object.fromEntries(sel.map((f) => [f, o[f]])) : o));
    const next = offset + SCCM_PAGE_SIZE < all.length ? selfLink(req, { $skiptoken: offset + SCCM_PAGE_SIZE }) : undefined;
    res.json({
      '@odata.context': `https://sccm.contoso.local/AdminService/wmi/$metadata#${cls}`,
      value,
      ...(next ? { '@odata.nextLink': next } : {}),
    });
  };

  app.get(`${base}/SMS_R_System`, authed, (req, res) => serve(req, res, 'SMS_R_System', systems()));
  app.get(`${base}/SMS_FullCollectionMembership`, authed, (req, res) => {
    const m = /^CollectionID eq '([A-Z0-9]{3,12})'$/.exec(oneParam(req, '$filter')?.trim() ?? '');
    if (!m) return sccmError(res, 400, "Query SMS_FullCollectionMembership by $filter=CollectionID eq '<id>'");
    const name = collectionName(m[1]!);
    const rows =
      name === undefined
        ? []
        : inventory.members(name).map((d) => ({
            CollectionID: m[1]!,
            ResourceID: sccmResourceId(d),
            Name: d.name,
            IsClient: true,
            IsObsolete: false,
            ResourceType: 5,
          }));
    serve(req, res, 'SMS_FullCollectionMembership', rows);
  });
}
