import { randomUUID } from 'node:crypto';
import express, { type RequestHandler, type Response } from 'express';
import type { PlaneDevice } from '../shared/fleet-inventory';
import type { FleetInventory } from '../shared/fleet-inventory';
import { intParam, oneParam, selfLink, stableGuid } from '../shared/paging';

/** Largest managedDevices page Graph serves (vendor-contracts.md A1: "Pages ≤1000"). */
export const GRAPH_MANAGED_DEVICES_MAX_PAGE = 1000;
/** Largest directory page (`$top=999` in A1). */
export const GRAPH_DIRECTORY_MAX_PAGE = 999;

const MANAGED_FIELDS = [
  'id',
  'azureADDeviceId',
  'deviceName',
  'operatingSystem',
  'osVersion',
  'lastSyncDateTime',
  'serialNumber',
  'managementAgent',
];
const OS_NAMES: Record<PlaneDevice['platform'], string> = { windows: 'Windows', macos: 'macOS', linux: 'Linux' };

/** Ids a Graph tenant gives one fleet device: managedDevice id, Entra `deviceId` (azureADDeviceId) and directory object id. */
export function intuneIds(fleetId: string): { managedDeviceId: string; azureADDeviceId: string; directoryId: string } {
  let ids = idCache.get(fleetId);
  if (!ids) {
    ids = {
      managedDeviceId: stableGuid(`md:${fleetId}`),
      azureADDeviceId: stableGuid(`aad:${fleetId}`),
      directoryId: stableGuid(`dir:${fleetId}`),
    };
    idCache.set(fleetId, ids);
  }
  return ids;
}
const idCache = new Map<string, { managedDeviceId: string; azureADDeviceId: string; directoryId: string }>();

/** The Entra object id of a fleet group; the same formula as the simulator's `GET /groups?$filter=displayName eq` answer. */
export function entraGroupId(name: string): string {
  return stableGuid(name);
}

function graphError(res: Response, status: number, code: string, message: string): void {
  res.status(status).json({ error: { code, message, innerError: { 'request-id': randomUUID(), date: new Date().toISOString() } } });
}

type Clause = { field: string; op: 'eq' | 'ge' | 'gt' | 'le' | 'lt'; value: string };

/** `$filter` of managedDevices: `operatingSystem eq 'Windows'`, `lastSyncDateTime ge 2026-01-01T00:00:00Z`, joined by `and`. */
function parseManagedFilter(filter: string | undefined): Clause[] {
  if (!filter?.trim()) return [];
  return filter.split(/\s+and\s+/i).map((c) => {
    const m =
      /^\s*(operatingSystem|deviceName|azureADDeviceId)\s+(eq)\s+'((?:[^']|'')*)'\s*$/.exec(c) ??
      /^\s*(lastSyncDateTime)\s+(eq|ge|gt|le|lt)\s+(\d{4}-\d\d-\d\dT[\d:.]+Z)\s*$/.exec(c);
    if (!m) throw new Error(`Invalid filter clause: ${c.trim().slice(0, 80)}`);
    return { field: m[1]!, op: m[2] as Clause['op'], value: m[3]!.replace(/''/g, "'") };
  });
}

function matches(view: Record<string, string>, clauses: Clause[]): boolean {
  return clauses.every((c) => {
    const v = view[c.field] ?? '';
    if (c.field !== 'lastSyncDateTime') return v === c.value;
    const a = Date.parse(v);
    const b = Date.parse(c.value);
    return c.op === 'eq' ? a === b : c.op === 'ge' ? a >= b : c.op === 'gt' ? a > b : c.op === 'le' ? a <= b : a < b;
  });
}

const skipToken = (offset: number) => Buffer.from(`o:${offset}`).toString('base64url');
function readSkipToken(token: string | undefined): number {
  if (token === undefined) return 0;
  const m = /^o:(\d+)$/.exec(Buffer.from(token, 'base64url').toString());
  return m ? Number(m[1]) : Number.NaN;
}

function select(obj: Record<string, string>, selectParam: string | undefined): Record<string, string> {
  if (!selectParam) return obj;
  return Object.fromEntries(
    selectParam
      .split(',')
      .map((f) => f.trim())
      .filter((f) => f in obj)
      .map((f) => [f, obj[f]!]),
  );
}

/**
 * Graph inventory of the Intune simulator (vendor-contracts.md A1) over the fleet's Windows and macOS devices:
 * `GET /v1.0|beta/deviceManagement/managedDevices` ($select, $filter on operatingSystem / lastSyncDateTime, $top ≤ 1000,
 * @odata.nextLink with $skiptoken; $skip → 400), Entra `GET /v1.0/groups` (list, or `$filter=displayName eq`),
 * `GET /v1.0/groups/{id}/members?$select=id&$top=999`, `GET /v1.0/devices` ($select, $top ≤ 999, `$filter=deviceId eq`)
 * and `GET /v1.0/devices/{id}/memberOf`. Register before the simulator's own `/v1.0/groups` route.
 */
export function registerIntuneInventoryRoutes(app: express.Express, inventory: FleetInventory, authed: RequestHandler): void {
  const managedView = (d: PlaneDevice): Record<string, string> => ({
    id: intuneIds(d.id).managedDeviceId,
    azureADDeviceId: intuneIds(d.id).azureADDeviceId,
    deviceName: d.name,
    operatingSystem: OS_NAMES[d.platform],
    osVersion: d.osVersion,
    lastSyncDateTime: d.modified,
    serialNumber: d.serial,
    managementAgent: 'mdm',
  });
  const groupNames = () => Object.keys(inventory.groupSizes()).sort();
  const byGroupId = () => new Map(groupNames().map((n) => [entraGroupId(n), n]));
  const byDirectoryId = () => new Map(inventory.devices().map((d) => [intuneIds(d.id).directoryId, d]));

  /** One page of `items` from `$skiptoken`, or an error already written. */
  const page = <T>(
    req: express.Request,
    res: Response,
    items: T[],
    max: number,
    fallback: number,
  ): { value: T[]; next?: string } | null => {
    if (oneParam(req, '$skip') !== undefined) {
      graphError(res, 400, 'BadRequest', "'$skip' is not supported by the service. Use @odata.nextLink to page.");
      return null;
    }
    const top = intParam(req, '$top', fallback);
    if (!Number.isFinite(top) || top < 1 || top > max) {
      graphError(res, 400, 'BadRequest', `Invalid $top value: must be between 1 and ${max}.`);
      return null;
    }
    const offset = readSkipToken(oneParam(req, '$skiptoken'));
    if (!Number.isFinite(offset)) {
      graphError(res, 400, 'BadRequest', 'Invalid $skiptoken.');
      return null;
    }
    const value = items.slice(offset, offset + top);
    return { value, next: offset + top < items.length ? selfLink(req, { $skiptoken: skipToken(offset + top), $top: top }) : undefined };
  };
  const send = (res: Response, context: string, p: { value: unknown[]; next?: string }) =>
    void res.json({ '@odata.context': context, value: p.value, ...(p.next ? { '@odata.nextLink': p.next } : {}) });

  for (const base of ['/v1.0', '/beta']) {
    app.get(`${base}/deviceManagement/managedDevices`, authed, (req, res) => {
      let clauses: Clause[];
      try {
        clauses = parseManagedFilter(oneParam(req, '$filter'));
      } catch (err) {
        return graphError(res, 400, 'BadRequest', (err as Error).message);
      }
      const all: (PlaneDevice | Record<string, string>)[] = clauses.length
        ? inventory
            .devices()
            .map(managedView)
            .filter((v) => matches(v, clauses))
        : [...inventory.devices()];
      const p = page(req, res, all, GRAPH_MANAGED_DEVICES_MAX_PAGE, GRAPH_MANAGED_DEVICES_MAX_PAGE);
      if (!p) return;
      const sel = oneParam(req, '$select');
      if (sel && sel.split(',').some((f) => !MANAGED_FIELDS.includes(f.trim())))
        return graphError(res, 400, 'BadRequest', 'Could not find a property named in $select.');
      const view = (v: PlaneDevice | Record<string, string>) =>
        'index' in v ? managedView(v as PlaneDevice) : (v as Record<string, string>);
      send(res, 'https://graph.microsoft.com/v1.0/$metadata#deviceManagement/managedDevices', {
        value: p.value.map((v) => select(view(v), sel)),
        next: p.next,
      });
    });
  }

  app.get('/v1.0/groups', authed, (req, res, next) => {
    // `$filter=displayName eq '…'` is the simulator's own lookup (it also knows the ring groups); listing is served here.
    if (oneParam(req, '$filter') !== undefined) return next();
    const all = groupNames().map((n) => ({ id: entraGroupId(n), displayName: n, securityEnabled: true, groupTypes: [] as string[] }));
    const p = page(req, res, all, GRAPH_DIRECTORY_MAX_PAGE, 100);
    if (p) send(res, 'https://graph.microsoft.com/v1.0/$metadata#groups', p);
  });

  app.get('/v1.0/groups/:id/members', authed, (req, res, next) => {
    const name = byGroupId().get(String(req.params.id));
    if (name === undefined) return next();
    const all = inventory.members(name).map((d) => ({ '@odata.type': '#microsoft.graph.device', id: intuneIds(d.id).directoryId }));
    const p = page(req, res, all, GRAPH_DIRECTORY_MAX_PAGE, 100);
    if (p) send(res, 'https://graph.microsoft.com/v1.0/$metadata#directoryObjects', p);
  });

  app.get('/v1.0/devices', authed, (req, res) => {
    const filter = oneParam(req, '$filter');
    let all = inventory.devices();
    if (filter !== undefined) {
      const m = /^deviceId eq '([0-9a-f-]{36})'$/i.exec(filter.trim());
      if (!m) return graphError(res, 400, 'BadRequest', 'Unsupported query: deviceId supports eq, ne, not and startsWith only.');
      all = all.filter((d) => intuneIds(d.id).azureADDeviceId === m[1]!.toLowerCase());
    }
    const views = all.map((d) => ({
      id: intuneIds(d.id).directoryId,
      deviceId: intuneIds(d.id).azureADDeviceId,
      displayName: d.name,
      operatingSystem: OS_NAMES[d.platform],
    }));
    const p = page(req, res, views, GRAPH_DIRECTORY_MAX_PAGE, 100);
    if (p)
      send(res, 'https://graph.microsoft.com/v1.0/$metadata#devices', {
        value: p.value.map((v) => select(v, oneParam(req, '$select'))),
        next: p.next,
      });
  });

  app.get('/v1.0/devices/:id/memberOf', authed, (req, res) => {
    const d = byDirectoryId().get(String(req.params.id));
    if (!d) return graphError(res, 404, 'Request_ResourceNotFound', `Resource '${String(req.params.id).slice(0, 40)}' does not exist.`);
    const all = [...d.groups].sort().map((n) => ({ '@odata.type': '#microsoft.graph.group', id: entraGroupId(n), displayName: n }));
    const p = page(req, res, all, GRAPH_DIRECTORY_MAX_PAGE, 100);
    if (p) send(res, 'https://graph.microsoft.com/v1.0/$metadata#directoryObjects', p);
  });
}
