import { randomBytes } from 'node:crypto';
import express, { type NextFunction, type Request, type Response } from 'express';
import type { FleetOptions } from '../fleet';
import { SimServer } from '../shared/sim-server';
import { xmlEscape, xmlTag, xmlUnescape } from '../shared/xml';
import { FleetInventory } from '../shared/fleet-inventory';
import { registerJamfInventoryRoutes } from './jamf-inventory-routes';

interface Pkg {
  id: number;
  packageName: string;
  fileName: string;
  [k: string]: unknown;
}
interface Group {
  id: number;
  name: string;
  criterionValue: string;
}
interface Policy {
  id: number;
  name: string;
  enabled: boolean;
  groupId: number;
  packageId: number;
  action: string;
}

/**
 * Jamf Pro simulator (vendor-contracts.md §2): OAuth client credentials (and the Basic-auth token), packages over the Jamf
 * Pro API (JSON; duplicate name → 400 DUPLICATE_FIELD), smart computer groups and policies over the Classic API (XML;
 * duplicate name → 409 with an HTML body), JSON lists with `Accept: application/json`, and per-computer policy logs.
 * A smart group's criterion value names the ring group whose computers it contains.
 */
export class JamfSimulator extends SimServer {
  readonly clientId = 'eucora-jamf';
  readonly clientSecret: string;
  private readonly tokens = new Set<string>();
  private readonly packages = new Map<number, Pkg>();
  private readonly groups = new Map<number, Group>();
  private readonly policies = new Map<number, Policy>();
  private readonly computerIds = new Map<string, number>();
  private nextId = 1;
  /** macOS devices of the fleet as Jamf's inventory (jamf-inventory-routes.ts). */
  readonly inventory = FleetInventory.forPlane('jamf', this.fleet);

  constructor(fleet: FleetOptions = {}, clientSecret = 'jamf-sim-secret') {
    super(fleet);
    this.clientSecret = clientSecret;
    let i = 1;
    for (const id of this.engine.deviceNames.keys()) this.computerIds.set(id, i++);
  }

  protected counters() {
    const policiesByName: Record<string, number> = {};
    for (const p of this.policies.values()) policiesByName[p.name] = (policiesByName[p.name] ?? 0) + 1;
    return { packages: this.packages.size, groups: this.groups.size, policies: this.policies.size, policiesByName };
  }

  protected renderError(res: Response, status: number, message: string): void {
    res.status(status).json({ httpStatus: status, errors: [{ code: status >= 500 ? 'SERVER_ERROR' : 'INVALID', field: null, description: message, id: '0' }] });
  }

  private html(res: Response, status: number, message: string) {
    res.status(status).type('text/html').send(`<html><head><title>Status page</title></head><body><p>${message}</p></body></html>`);
  }

  private members(g: Group): string[] {
    return this.engine.members(g.criterionValue);
  }

  protected routes(app: express.Express): void {
    app.use(express.urlencoded({ extended: false }));
    app.use(express.json());
    app.use(express.text({ type: ['application/xml', 'text/xml'] }));
    const token = () => {
      const t = randomBytes(24).toString('base64url');
      this.tokens.add(t);
      return t;
    };
    for (const path of ['/api/oauth/token', '/api/v1/oauth/token']) {
      app.post(path, (req, res) => {
        const b = req.body as Record<string, string>;
        if (b.grant_type !== 'client_credentials' || b.client_id !== this.clientId || b.client_secret !== this.clientSecret) return void res.status(401).json({ error: 'invalid_client' });
        res.json({ access_token: token(), scope: 'api-role:eucora', token_type: 'Bearer', expires_in: 599 });
      });
    }
    app.post('/api/v1/auth/token', (req, res) => {
      const [u, p] = Buffer.from((req.header('authorization') ?? '').replace(/^Basic /, ''), 'base64').toString().split(':');
      if (u !== this.clientId || p !== this.clientSecret) return this.renderError(res, 401, 'Unauthorized');
      res.json({ token: token(), expires: new Date(Date.now() + 30 * 60_000).toISOString() });
    });
    app.post('/api/v1/auth/invalidate-token', (req, res) => {
      this.tokens.delete((req.header('authorization') ?? '').slice(7));
      res.status(204).end();
    });
    const authed = (req: Request, res: Response, next: NextFunction) => {
      const h = req.header('authorization') ?? '';
      if (!h.startsWith('Bearer ') || !this.tokens.has(h.slice(7))) return this.renderError(res, 401, 'Unauthorized');
      next();
    };

    registerJamfInventoryRoutes(app, this.inventory, authed);
    // Jamf Pro API (JSON)
    app.get('/api/v1/packages', authed, (req, res) => {
      const m = /^packageName=="(.*)"$/.exec(String(req.query.filter ?? ''));
      const results = [...this.packages.values()].filter((p) => !m || p.packageName === m[1]);
      res.json({ totalCount: results.length, results });
    });
    app.post('/api/v1/packages', authed, (req, res) => {
      const b = req.body as Pkg;
      if (!b.packageName || !b.fileName) return this.renderError(res, 400, 'packageName and fileName are required');
      if ([...this.packages.values()].some((p) => p.packageName === b.packageName)) {
        return void res.status(400).json({ httpStatus: 400, errors: [{ code: 'DUPLICATE_FIELD', field: 'packageName', description: 'Package name must be unique', id: '0' }] });
      }
      const id = this.nextId++;
      this.packages.set(id, { ...b, id });
      res.status(201).json({ id: String(id), href: `/api/v1/packages/${id}` });
    });

    // Classic API (XML in, XML or JSON out)
    const listJson = (req: Request, res: Response, key: string, items: object[]) => {
      if ((req.header('accept') ?? '').includes('application/json')) return void res.json({ [key]: items });
      res.type("application/xml").send(`<${key}><size>${items.length}</size></${key}>`);
    };
    app.get('/JSSResource/computergroups', authed, (req, res) => listJson(req, res, 'computer_groups', [...this.groups.values()].map((g) => ({ id: g.id, name: g.name, is_smart: true }))));
    app.get('/JSSResource/computergroups/id/:id', authed, (req, res) => {
      const g = this.groups.get(Number(req.params.id));
      if (!g) return this.html(res, 404, 'The server has not found anything matching the request URI');
      res.json({ computer_group: { id: g.id, name: g.name, is_smart: true, computers: this.members(g).map((d) => ({ id: this.computerIds.get(d), name: this.engine.deviceNames.get(d) })) } });
    });
    app.post('/JSSResource/computergroups/id/0', authed, (req, res) => {
      const xml = String(req.body ?? '');
      const name = xmlUnescape(xmlTag(xml, 'name') ?? '');
      const value = xmlUnescape(xmlTag(xmlTag(xml, 'criterion') ?? '', 'value') ?? '');
      if (!name) return this.html(res, 400, 'Error: Problem with computer group name');
      if ([...this.groups.values()].some((g) => g.name.toLowerCase() === name.toLowerCase())) return this.html(res, 409, 'Error: Duplicate name');
      const id = this.nextId++;
      this.groups.set(id, { id, name, criterionValue: value });
      res.status(201).type('application/xml').send(`<computer_group><id>${id}</id></computer_group>`);
    });
    app.get('/JSSResource/policies', authed, (req, res) => listJson(req, res, 'policies', [...this.policies.values()].map((p) => ({ id: p.id, name: p.name }))));
    const parsePolicy = (xml: string) => ({
      name: xmlUnescape(xmlTag(xmlTag(xml, 'general') ?? '', 'name') ?? ''),
      enabled: (xmlTag(xmlTag(xml, 'general') ?? '', 'enabled') ?? 'true') === 'true',
      groupId: Number(xmlTag(xmlTag(xmlTag(xml, 'scope') ?? '', 'computer_group') ?? '', 'id') ?? 0),
      packageId: Number(xmlTag(xmlTag(xmlTag(xml, 'package_configuration') ?? '', 'package') ?? '', 'id') ?? 0),
      action: xmlTag(xmlTag(xmlTag(xml, 'package_configuration') ?? '', 'package') ?? '', 'action') ?? 'Install',
    });
    const activate = (p: Policy) => {
      const g = this.groups.get(p.groupId);
      const pkg = this.packages.get(p.packageId);
      if (!g || !pkg || !p.enabled) return;
      if (p.action === 'Uninstall') {
        for (const other of this.policies.values()) if (other.packageId === p.packageId && other.groupId === p.groupId && other.action !== 'Uninstall') this.engine.remove(`jamf:${other.id}`);
        this.engine.install(`jamf:${p.id}`, '', this.members(g));
      } else this.engine.install(`jamf:${p.id}`, pkg.packageName, this.members(g));
    };
    app.post('/JSSResource/policies/id/0', authed, (req, res) => {
      const p = parsePolicy(String(req.body ?? ''));
      if (!p.name) return this.html(res, 400, 'Error: Problem with policy name');
      if ([...this.policies.values()].some((x) => x.name.toLowerCase() === p.name.toLowerCase())) return this.html(res, 409, 'Error: Duplicate name');
      const id = this.nextId++;
      const policy = { id, ...p };
      this.policies.set(id, policy);
      activate(policy);
      res.status(201).type('application/xml').send(`<policy><id>${id}</id></policy>`);
    });
    app.put('/JSSResource/policies/id/:id', authed, (req, res) => {
      const p = this.policies.get(Number(req.params.id));
      if (!p) return this.html(res, 404, 'The server has not found anything matching the request URI');
      const enabled = xmlTag(xmlTag(String(req.body ?? ''), 'general') ?? '', 'enabled');
      if (enabled !== undefined) p.enabled = enabled === 'true';
      res.status(201).type('application/xml').send(`<policy><id>${p.id}</id></policy>`);
    });
    app.delete('/JSSResource/policies/id/:id', authed, (req, res) => {
      if (!this.policies.delete(Number(req.params.id))) return this.html(res, 404, 'The server has not found anything matching the request URI');
      res.status(200).type('application/xml').send(`<policy><id>${req.params.id}</id></policy>`);
    });
    app.get('/JSSResource/computerhistory/id/:id/subset/PolicyLogs', authed, (req, res) => {
      const computerId = Number(req.params.id);
      const deviceId = [...this.computerIds].find(([, n]) => n === computerId)?.[0];
      if (!deviceId) return this.html(res, 404, 'The server has not found anything matching the request URI');
      const logs = [];
      for (const p of this.policies.values()) {
        const s = this.engine.states(`jamf:${p.id}`).find((x) => x.deviceId === deviceId);
        if (!s || s.state === 'pending') continue;
        const now = new Date();
        logs.push({ policy_id: p.id, policy_name: xmlEscape(p.name), username: 'root', date_completed: now.toISOString(), date_completed_epoch: now.getTime(), date_completed_utc: now.toISOString(), status: s.state === 'failed' ? 'Failed' : 'Completed' });
      }
      res.json({ computer_history: { general: { id: computerId, name: this.engine.deviceNames.get(deviceId) }, policy_logs: logs } });
    });
  }
}
