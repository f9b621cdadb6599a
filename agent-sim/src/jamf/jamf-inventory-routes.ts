import type express from 'express';
import type { RequestHandler, Response } from 'express';
import type { FleetInventory, PlaneDevice } from '../shared/fleet-inventory';
import { intParam, oneParam } from '../shared/paging';
import { xmlEscape } from '../shared/xml';

/** Largest `page-size` of computers-inventory (vendor-contracts.md A2: default 100, max 2000). */
export const JAMF_INVENTORY_MAX_PAGE = 2000;
/** Ids of the fleet's static groups start here, clear of the ids the simulator gives the smart groups it creates. */
export const JAMF_FLEET_GROUP_ID_BASE = 5000;

const SECTIONS = new Set([
  'GENERAL',
  'HARDWARE',
  'OPERATING_SYSTEM',
  'GROUP_MEMBERSHIPS',
  'USER_AND_LOCATION',
  'APPLICATIONS',
  'DISK_ENCRYPTION',
  'SECURITY',
]);
const SORTS = new Set(['id:asc', 'id:desc', 'general.name:asc', 'general.name:desc']);
type Rsql = { field: 'id' | 'general.name' | 'general.lastContactTime' | 'general.reportDate'; op: string; value: string };

/** The Jamf computer id of a fleet device: its 1-based fleet position, as the simulator numbers computers. */
export const jamfComputerId = (d: Pick<PlaneDevice, 'index'>): number => d.index + 1;

function jamfError(res: Response, status: number, code: string, field: string | null, description: string): void {
  res.status(status).json({ httpStatus: status, errors: [{ code, field, description, id: '0' }] });
}

/** RSQL of the filter: `;` (and) between comparisons `==`, `!=`, `<`, `<=`, `>`, `>=`, `=lt=`, `=le=`, `=gt=`, `=ge=`. */
function parseRsql(filter: string | undefined): Rsql[] {
  if (!filter?.trim()) return [];
  return filter.split(';').map((c) => {
    const m = /^\s*([a-zA-Z.]+)\s*(==|!=|<=|>=|<|>|=lt=|=le=|=gt=|=ge=)\s*"?([^"]*)"?\s*$/.exec(c);
    if (!m) throw new Error(`Invalid RSQL: ${c.slice(0, 80)}`);
    if (!['id', 'general.name', 'general.lastContactTime', 'general.reportDate'].includes(m[1]!))
      throw new Error(`Field ${m[1]} is not filterable`);
    return {
      field: m[1] as Rsql['field'],
      op: ({ '=lt=': '<', '=le=': '<=', '=gt=': '>', '=ge=': '>=' } as Record<string, string>)[m[2]!] ?? m[2]!,
      value: m[3]!,
    };
  });
}

function rsqlMatch(d: PlaneDevice, clauses: Rsql[]): boolean {
  return clauses.every((c) => {
    const [a, b]: [number | string, number | string] =
      c.field === 'id'
        ? [jamfComputerId(d), Number(c.value)]
        : c.field === 'general.name'
          ? [d.name, c.value]
          : [Date.parse(d.modified), Date.parse(c.value)];
    switch (c.op) {
      case '==':
        return a === b;
      case '!=':
        return a !== b;
      case '<':
        return a < b;
      case '<=':
        return a <= b;
      case '>':
        return a > b;
      default:
        return a >= b;
    }
  });
}

/**
 * Jamf inventory of the simulator (vendor-contracts.md A2) over the fleet's macOS devices: `GET /api/v1|v3|v4/computers-inventory`
 * (section, page, page-size ≤ 2000, sort, RSQL filter on id / general.name / general.lastContactTime / general.reportDate;
 * v4 renames `lastContactTime` to `lastContact`) with `GROUP_MEMBERSHIPS` naming the fleet's static groups, and Classic
 * `GET /JSSResource/computergroups/name/{name}` for them (other names fall through to the simulator's own groups).
 */
export function registerJamfInventoryRoutes(app: express.Express, inventory: FleetInventory, authed: RequestHandler): void {
  const groupIds = () =>
    new Map(
      Object.keys(inventory.groupSizes())
        .sort()
        .map((n, i) => [n, JAMF_FLEET_GROUP_ID_BASE + i]),
    );

  for (const version of ['v1', 'v3', 'v4']) {
    app.get(`/api/${version}/computers-inventory`, authed, (req, res) => {
      const raw = req.query.section;
      const sections = (Array.isArray(raw) ? raw : raw === undefined ? ['GENERAL'] : [raw]).map(String);
      const bad = sections.find((s) => !SECTIONS.has(s));
      if (bad) return jamfError(res, 400, 'INVALID_FIELD', 'section', `Unknown section ${bad.slice(0, 40)}`);
      const page = intParam(req, 'page', 0);
      const size = intParam(req, 'page-size', 100);
      if (!Number.isFinite(page)) return jamfError(res, 400, 'INVALID_FIELD', 'page', 'page must be a non-negative integer');
      if (!Number.isFinite(size) || size < 1 || size > JAMF_INVENTORY_MAX_PAGE)
        return jamfError(res, 400, 'INVALID_FIELD', 'page-size', `page-size must be between 1 and ${JAMF_INVENTORY_MAX_PAGE}`);
      const sort = oneParam(req, 'sort') ?? 'general.name:asc';
      if (!SORTS.has(sort)) return jamfError(res, 400, 'INVALID_FIELD', 'sort', `Unsupported sort ${sort.slice(0, 40)}`);
      let clauses: Rsql[];
      try {
        clauses = parseRsql(oneParam(req, 'filter'));
      } catch (err) {
        return jamfError(res, 400, 'INVALID_FIELD', 'filter', (err as Error).message);
      }
      const all = inventory.devices().filter((d) => rsqlMatch(d, clauses));
      const [key, dir] = sort.split(':');
      all.sort((x, y) => (key === 'id' ? jamfComputerId(x) - jamfComputerId(y) : x.name.localeCompare(y.name)) * (dir === 'desc' ? -1 : 1));
      const ids = groupIds();
      const results = all.slice(page * size, page * size + size).map((d) => ({
        id: String(jamfComputerId(d)),
        udid: `${d.id.toUpperCase()}-UDID`,
        general: sections.includes('GENERAL')
          ? {
              name: d.name,
              platform: 'Mac',
              [version === 'v4' ? 'lastContact' : 'lastContactTime']: d.lastContact,
              reportDate: d.modified,
              managementId: d.id,
            }
          : null,
        hardware: sections.includes('HARDWARE') ? { serialNumber: d.serial, model: 'MacBook Pro' } : null,
        operatingSystem: sections.includes('OPERATING_SYSTEM') ? { name: d.osName, version: d.osVersion } : null,
        groupMemberships: sections.includes('GROUP_MEMBERSHIPS')
          ? d.groups.map((g) => ({
              groupId: String(ids.get(g)),
              groupName: g,
              smartGroup: false,
            }))
          : null,
      }));
      res.json({ totalCount: all.length, results });
    });
  }

  app.get('/JSSResource/computergroups/name/:name', authed, (req, res, next) => {
    const name = String(req.params.name);
    const id = groupIds().get(name);
    if (id === undefined) return next();
    const computers = inventory.members(name).map((d) => ({ id: jamfComputerId(d), name: d.name, serial_number: d.serial }));
    if ((req.header('accept') ?? '').includes('json')) return void res.json({ computer_group: { id, name, is_smart: false, computers } });
    const xml = computers
      .map((c) => `<computer><id>${c.id}</id><name>${xmlEscape(c.name)}</name><serial_number>${c.serial_number}</serial_number></computer>`)
      .join('');
    const head = `<computer_group><id>${id}</id><name>${xmlEscape(name)}</name><is_smart>false</is_smart>`;
    res.type('application/xml').send(`${head}<computers><size>${computers.length}</size>${xml}</computers></computer_group>`);
  });
}
