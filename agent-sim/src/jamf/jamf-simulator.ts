import { createHash, randomBytes } from 'node:crypto';
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
  isSmart: boolean;
  /** Computer ids of a static group created over the API (ring targets, contracts A2); fleet groups use `ringGroup`. */
  computers?: Set<number>;
  /** Static group: the ring group of the simulated directory whose computers it holds. */
  ringGroup: string;
}
interface Script {
  id: number;
  name: string;
  scriptContents: string;
  priority: string;
}
interface Policy {
  id: number;
  name: string;
  enabled: boolean;
  triggerCheckin: boolean;
  groupId: number;
  packageId: number;
  action: string;
  scriptId: number;
  /** `<parameter4>` of the policy's script: the simulator reads it as the package the script removes. */
  scriptParameter4: string;
}

/** Inventory fields a smart-group criterion may name (a subset of Jamf's); any other name is 409 (contracts A2). */
export const JAMF_INVENTORY_FIELDS = new Set([
  'Computer Name',
  'Serial Number',
  'Operating System Version',
  'Last Check-in',
  'Computer Group',
  'Department',
  'Building',
  'Model',
  'Application Title',
  'Username',
]);

/** Parses one `multipart/form-data` body (the simulator buffers it; real JCDS streams to S3) into its file parts. */
function multipartFiles(body: Buffer, contentType: string): Map<string, { fileName: string; data: Buffer }> {
  const boundary = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentType);
  const out = new Map<string, { fileName: string; data: Buffer }>();
  if (!boundary) return out;
  const sep = Buffer.from(`--${boundary[1] ?? boundary[2]}`);
  let at = body.indexOf(sep);
  while (at >= 0) {
    const start = at + sep.length;
    if (body.subarray(start, start + 2).toString() === '--') break;
    const headerEnd = body.indexOf('\r\n\r\n', start);
    const next = body.indexOf(sep, headerEnd);
    if (headerEnd < 0 || next < 0) break;
    const headers = body.subarray(start, headerEnd).toString();
    const name = /name="([^"]*)"/i.exec(headers)?.[1];
    const fileName = /filename="([^"]*)"/i.exec(headers)?.[1];
    if (name && fileName !== undefined) out.set(name, { fileName, data: body.subarray(headerEnd + 4, next - 2) });
    at = next;
  }
  return out;
}

/**
 * Jamf Pro simulator (vendor-contracts.md §2, A2): OAuth client credentials (and the Basic-auth token), packages over the
 * Jamf Pro API (JSON; duplicate name → 400 DUPLICATE_FIELD; `POST …/{id}/upload` multipart `file`, after which `hashValue`
 * is the SHA3-512 of the bytes), scripts (`/api/v1/scripts`), static computer groups (one per ring group, pre-created like
 * an admin's) and policies over the Classic API (XML; duplicate name → 409 with an HTML body), JSON lists with
 * `Accept: application/json`, and per-computer policy logs. As strict as Jamf on: smart-group criteria must name an
 * inventory field (else 409); a policy runs only when enabled with `<trigger_checkin>true</trigger_checkin>`; an install of
 * a package with no uploaded content fails on every device; the package action `Uninstall` removes nothing (packages not
 * indexed by Jamf Admin); a script policy removes the package named in its `<parameter4>`.
 */
export class JamfSimulator extends SimServer {
  readonly clientId = 'eucora-jamf';
  readonly clientSecret: string;
  private readonly tokens = new Set<string>();
  private readonly packages = new Map<number, Pkg>();
  private readonly groups = new Map<number, Group>();
  private readonly policies = new Map<number, Policy>();
  private readonly scripts = new Map<number, Script>();
  /** Bytes received per package id (SHA3-512 and size), the JCDS content. */
  private readonly content = new Map<number, { sha3: string; size: number }>();
  private readonly computerIds = new Map<string, number>();
  private nextId = 1;
  /** macOS devices of the fleet as Jamf's inventory (jamf-inventory-routes.ts). */
  readonly inventory = FleetInventory.forPlane('jamf', this.fleet);

  constructor(fleet: FleetOptions = {}, clientSecret = 'jamf-sim-secret') {
    super(fleet);
    this.clientSecret = clientSecret;
    let i = 1;
    for (const id of this.engine.deviceNames.keys()) this.computerIds.set(id, i++);
    for (const name of this.engine.groups.keys()) {
      const id = this.nextId++;
      this.groups.set(id, { id, name, isSmart: false, ringGroup: name });
    }
  }

  /** Static groups created over the API, by name (a second of one name would show as 2). */
  private readonly ringGroupsCreated: Record<string, number> = {};
  private groupMemberChanges = 0;

  private knownComputer(n: number): boolean {
    return [...this.computerIds.values()].includes(n);
  }

  protected counters() {
    const policiesByName: Record<string, number> = {};
    for (const p of this.policies.values()) policiesByName[p.name] = (policiesByName[p.name] ?? 0) + 1;
    const uploads = this.content.size;
    const packagesByName: Record<string, number> = {};
    for (const p of this.packages.values()) packagesByName[p.packageName] = (packagesByName[p.packageName] ?? 0) + 1;
    return {
      packages: this.packages.size,
      groups: this.groups.size,
      policies: this.policies.size,
      scripts: this.scripts.size,
      uploads,
      policiesByName,
      packagesByName,
      ringGroupsCreated: { ...this.ringGroupsCreated },
      groupMemberChanges: this.groupMemberChanges,
    };
  }

  protected renderError(res: Response, status: number, message: string): void {
    res.status(status).json({
      httpStatus: status,
      errors: [{ code: status >= 500 ? 'SERVER_ERROR' : 'INVALID', field: null, description: message, id: '0' }],
    });
  }

  private html(res: Response, status: number, message: string) {
    res.status(status).type('text/html').send(`<html><head><title>Status page</title></head><body><p>${message}</p></body></html>`);
  }

  private members(g: Group): string[] {
    if (g.isSmart) return [];
    if (g.computers) return [...this.computerIds].filter(([, n]) => g.computers!.has(n)).map(([d]) => d);
    return this.engine.members(g.ringGroup);
  }

  private pkgView(p: Pkg) {
    const c = this.content.get(p.id);
    return { ...p, hashType: c ? 'SHA3_512' : (p.hashType ?? null), hashValue: c?.sha3 ?? null, size: c ? String(c.size) : null };
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
        if (b.grant_type !== 'client_credentials' || b.client_id !== this.clientId || b.client_secret !== this.clientSecret)
          return void res.status(401).json({ error: 'invalid_client' });
        res.json({ access_token: token(), scope: 'api-role:eucora', token_type: 'Bearer', expires_in: 599 });
      });
    }
    app.post('/api/v1/auth/token', (req, res) => {
      const [u, p] = Buffer.from((req.header('authorization') ?? '').replace(/^Basic /, ''), 'base64')
        .toString()
        .split(':');
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
      const results = [...this.packages.values()].filter((p) => !m || p.packageName === m[1]).map((p) => this.pkgView(p));
      res.json({ totalCount: results.length, results });
    });
    app.get('/api/v1/packages/:id', authed, (req, res) => {
      const p = this.packages.get(Number(req.params.id));
      if (!p) return this.renderError(res, 404, 'Package not found');
      res.json(this.pkgView(p));
    });
    app.post('/api/v1/packages/:id/upload', authed, express.raw({ type: 'multipart/form-data', limit: '512mb' }), (req, res) => {
      const p = this.packages.get(Number(req.params.id));
      if (!p) return this.renderError(res, 404, 'Package not found');
      const file = Buffer.isBuffer(req.body) ? multipartFiles(req.body, req.header('content-type') ?? '').get('file') : undefined;
      if (!file) return this.renderError(res, 400, 'multipart field "file" is required');
      // JCDS processes the upload before Jamf shows the hash: poll GET /api/v1/packages/{id} until hashValue is set.
      const digest = { sha3: createHash('sha3-512').update(file.data).digest('hex'), size: file.data.length };
      setTimeout(() => this.content.set(p.id, digest), 50).unref();
      res.status(201).json({ id: String(p.id), href: `/api/v1/packages/${p.id}` });
    });
    app.get('/api/v1/scripts', authed, (req, res) => {
      const m = /^name=="(.*)"$/.exec(String(req.query.filter ?? ''));
      const results = [...this.scripts.values()].filter((x) => !m || x.name === m[1]).map((x) => ({ ...x, id: String(x.id) }));
      res.json({ totalCount: results.length, results });
    });
    app.post('/api/v1/scripts', authed, (req, res) => {
      const b = req.body as Partial<Script>;
      if (typeof b.name !== 'string' || !b.name || typeof b.scriptContents !== 'string' || !b.scriptContents)
        return this.renderError(res, 400, 'name and scriptContents are required');
      if (b.priority !== undefined && !['BEFORE', 'AFTER', 'AT_REBOOT'].includes(String(b.priority)))
        return this.renderError(res, 400, 'priority must be BEFORE, AFTER or AT_REBOOT');
      if ([...this.scripts.values()].some((x) => x.name === b.name)) {
        return void res.status(400).json({
          httpStatus: 400,
          errors: [{ code: 'DUPLICATE_FIELD', field: 'name', description: 'Script name must be unique', id: '0' }],
        });
      }
      const id = this.nextId++;
      this.scripts.set(id, { id, name: b.name, scriptContents: b.scriptContents, priority: String(b.priority ?? 'AFTER') });
      res.status(201).json({ id: String(id), href: `/api/v1/scripts/${id}` });
    });
    app.post('/api/v1/packages', authed, (req, res) => {
      const b = req.body as Pkg;
      if (!b.packageName || !b.fileName) return this.renderError(res, 400, 'packageName and fileName are required');
      if ([...this.packages.values()].some((p) => p.packageName === b.packageName)) {
        return void res.status(400).json({
          httpStatus: 400,
          errors: [{ code: 'DUPLICATE_FIELD', field: 'packageName', description: 'Package name must be unique', id: '0' }],
        });
      }
      const id = this.nextId++;
      // hashValue is Jamf's to compute from the uploaded bytes; a client-sent one is not content.
      const meta: Pkg = { ...b, id };
      delete meta.hashValue;
      this.packages.set(id, meta);
      res.status(201).json({ id: String(id), href: `/api/v1/packages/${id}` });
    });

    // Classic API (XML in, XML or JSON out)
    const listJson = (req: Request, res: Response, key: string, items: object[]) => {
      if ((req.header('accept') ?? '').includes('application/json')) return void res.json({ [key]: items });
      res.type('application/xml').send(`<${key}><size>${items.length}</size></${key}>`);
    };
    app.get('/JSSResource/computergroups', authed, (req, res) =>
      listJson(
        req,
        res,
        'computer_groups',
        [...this.groups.values()].map((g) => ({ id: g.id, name: g.name, is_smart: g.isSmart })),
      ),
    );
    const groupJson = (res: Response, g: Group) =>
      void res.json({
        computer_group: {
          id: g.id,
          name: g.name,
          is_smart: g.isSmart,
          computers: this.members(g).map((d) => ({
            id: this.computerIds.get(d),
            name: this.engine.deviceNames.get(d),
            serial_number: `SIM${this.computerIds.get(d)}`,
          })),
        },
      });
    app.get('/JSSResource/computergroups/id/:id', authed, (req, res) => {
      const g = this.groups.get(Number(req.params.id));
      if (!g) return this.html(res, 404, 'The server has not found anything matching the request URI');
      groupJson(res, g);
    });
    app.get('/JSSResource/computergroups/name/:name', authed, (req, res) => {
      const g = [...this.groups.values()].find((x) => x.name.toLowerCase() === String(req.params.name).toLowerCase());
      if (!g) return this.html(res, 404, 'The server has not found anything matching the request URI');
      groupJson(res, g);
    });
    app.post('/JSSResource/computergroups/id/0', authed, (req, res) => {
      const xml = String(req.body ?? '');
      const name = xmlUnescape(xmlTag(xml, 'name') ?? '');
      const isSmart = xmlTag(xml, 'is_smart') === 'true';
      if (!name) return this.html(res, 400, 'Error: Problem with computer group name');
      if ([...this.groups.values()].some((g) => g.name.toLowerCase() === name.toLowerCase()))
        return this.html(res, 409, 'Error: Duplicate name');
      if (isSmart) {
        for (const c of (xmlTag(xml, 'criteria') ?? '').split('</criterion>')) {
          const field = xmlUnescape(xmlTag(c, 'name') ?? '');
          if (field && !JAMF_INVENTORY_FIELDS.has(field)) return this.html(res, 409, `Error: Problem with criteria: ${xmlEscape(field)}`);
        }
      }
      const computers = isSmart ? undefined : staticComputerIds(xmlTag(xml, 'computers') ?? '');
      if (computers && [...computers].some((n) => !this.knownComputer(n)))
        return this.html(res, 409, 'Error: Problem with computer in computers');
      const id = this.nextId++;
      // A created static group holds exactly the computers it was sent (contracts A2 create); smart groups match nothing here.
      this.groups.set(id, { id, name, isSmart, ringGroup: '', computers: computers ?? undefined });
      this.ringGroupsCreated[name] = (this.ringGroupsCreated[name] ?? 0) + 1;
      res.status(201).type('application/xml').send(`<computer_group><id>${id}</id></computer_group>`);
    });
    // contracts A2 converge: computer_additions / computer_deletions on a static group; scoped policies then reach added
    // computers at their next check-in (simulated: at once), removed ones keep what already ran.
    app.put('/JSSResource/computergroups/id/:id', authed, (req, res) => {
      const g = this.groups.get(Number(req.params.id));
      if (!g) return this.html(res, 404, 'The server has not found anything matching the request URI');
      if (g.isSmart || !g.computers) return this.html(res, 409, 'Error: Problem with computer group membership');
      const xml = String(req.body ?? '');
      const adds = staticComputerIds(xmlTag(xml, 'computer_additions') ?? '');
      const dels = staticComputerIds(xmlTag(xml, 'computer_deletions') ?? '');
      if ([...adds].some((n) => !this.knownComputer(n))) return this.html(res, 409, 'Error: Problem with computer in computer_additions');
      for (const n of adds) g.computers.add(n);
      for (const n of dels) g.computers.delete(n);
      this.groupMemberChanges += adds.size + dels.size;
      for (const p of this.policies.values()) if (p.groupId === g.id) activate(p);
      res.status(201).type('application/xml').send(`<computer_group><id>${g.id}</id></computer_group>`);
    });
    app.get('/JSSResource/policies', authed, (req, res) =>
      listJson(
        req,
        res,
        'policies',
        [...this.policies.values()].map((p) => ({ id: p.id, name: p.name })),
      ),
    );
    const parsePolicy = (xml: string) => {
      const general = xmlTag(xml, 'general') ?? '';
      const pkg = xmlTag(xmlTag(xml, 'package_configuration') ?? '', 'package') ?? '';
      const script = xmlTag(xmlTag(xml, 'scripts') ?? '', 'script') ?? '';
      return {
        name: xmlUnescape(xmlTag(general, 'name') ?? ''),
        enabled: (xmlTag(general, 'enabled') ?? 'true') === 'true',
        triggerCheckin: xmlTag(general, 'trigger_checkin') === 'true',
        groupId: Number(xmlTag(xmlTag(xmlTag(xml, 'scope') ?? '', 'computer_group') ?? '', 'id') ?? 0),
        packageId: Number(xmlTag(pkg, 'id') ?? 0),
        action: xmlTag(pkg, 'action') ?? 'Install',
        scriptId: Number(xmlTag(script, 'id') ?? 0),
        scriptParameter4: xmlUnescape(xmlTag(script, 'parameter4') ?? ''),
      };
    };
    // A policy runs at check-in on the computers in scope at that moment, and only with trigger_checkin (contracts A2).
    const activate = (p: Policy) => {
      const g = this.groups.get(p.groupId);
      if (!g || !p.enabled || !p.triggerCheckin) return;
      const pkg = this.packages.get(p.packageId);
      const script = this.scripts.get(p.scriptId);
      if (script) {
        const target = [...this.packages.values()].find((x) => x.packageName === p.scriptParameter4);
        if (target)
          for (const other of this.policies.values())
            if (other.packageId === target.id && other.groupId === p.groupId && other.id !== p.id) this.engine.remove(`jamf:${other.id}`);
        this.engine.install(`jamf:${p.id}`, '', this.members(g));
        return;
      }
      if (!pkg) return;
      // Uninstall works only for packages indexed by Jamf Admin (gone since 11.7): the policy completes, nothing is removed.
      if (p.action === 'Uninstall') return this.engine.install(`jamf:${p.id}`, '', this.members(g));
      // No uploaded content: the install fails on every device.
      this.engine.install(`jamf:${p.id}`, pkg.packageName, this.members(g), !this.content.has(pkg.id));
    };
    app.post('/JSSResource/policies/id/0', authed, (req, res) => {
      const p = parsePolicy(String(req.body ?? ''));
      if (!p.name) return this.html(res, 400, 'Error: Problem with policy name');
      if (p.scriptId && !this.scripts.has(p.scriptId)) return this.html(res, 409, 'Error: Problem with script');
      if (p.packageId && !this.packages.has(p.packageId)) return this.html(res, 409, 'Error: Problem with package');
      if (p.groupId && !this.groups.has(p.groupId)) return this.html(res, 409, 'Error: Problem with scope');
      if ([...this.policies.values()].some((x) => x.name.toLowerCase() === p.name.toLowerCase()))
        return this.html(res, 409, 'Error: Duplicate name');
      const id = this.nextId++;
      const policy = { id, ...p };
      this.policies.set(id, policy);
      activate(policy);
      res.status(201).type('application/xml').send(`<policy><id>${id}</id></policy>`);
    });
    app.put('/JSSResource/policies/id/:id', authed, (req, res) => {
      const p = this.policies.get(Number(req.params.id));
      if (!p) return this.html(res, 404, 'The server has not found anything matching the request URI');
      const general = xmlTag(String(req.body ?? ''), 'general') ?? '';
      const enabled = xmlTag(general, 'enabled');
      const checkin = xmlTag(general, 'trigger_checkin');
      if (enabled !== undefined) p.enabled = enabled === 'true';
      if (checkin !== undefined) p.triggerCheckin = checkin === 'true';
      activate(p);
      res.status(201).type('application/xml').send(`<policy><id>${p.id}</id></policy>`);
    });
    app.delete('/JSSResource/policies/id/:id', authed, (req, res) => {
      if (!this.policies.delete(Number(req.params.id)))
        return this.html(res, 404, 'The server has not found anything matching the request URI');
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
        logs.push({
          policy_id: p.id,
          policy_name: xmlEscape(p.name),
          username: 'root',
          date_completed: now.toISOString(),
          date_completed_epoch: now.getTime(),
          date_completed_utc: now.toISOString(),
          status: s.state === 'failed' ? 'Failed' : 'Completed',
        });
      }
      res.json({ computer_history: { general: { id: computerId, name: this.engine.deviceNames.get(deviceId) }, policy_logs: logs } });
    });
  }
}

/** `<computer><id>N</id>…</computer>` ids inside a computers / computer_additions / computer_deletions element. */
function staticComputerIds(xml: string): Set<number> {
  return new Set([...xml.matchAll(/<computer>\s*<id>(\d+)<\/id>/g)].map((m) => Number(m[1])));
}
