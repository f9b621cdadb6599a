import { randomBytes, randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import { closeServer, listenOnLoopback } from '../shared/loopback';
import express, { type NextFunction, type Request, type Response } from 'express';
import { generateFleet, type FleetOptions } from '../fleet';
import { assignRingGroups } from '../ring-groups';
import { hash32, unit } from '../sim-clock';
import { faultMiddleware, type FaultConfig } from '../shared/fault-injection';
import { FleetInventory, inventoryAdminRoutes } from '../shared/fleet-inventory';
import { registerIntuneInventoryRoutes } from './intune-inventory-routes';

/** Behaviour of the simulated tenant, fault injection included; changed at run time through `POST /_sim/config`. */
export interface IntuneSimConfig extends FaultConfig {
  /** Share of installs that fail (0–1); default 0. */
  failureRate: number;
  /** Per-app failure rates by displayName substring; the first match wins over `failureRate`. */
  failureRules: { match: string; rate: number }[];
  /** Installs finish uniformly within this many ms after assignment; 0 = instant. Default 2000. */
  installDurationMs: number;
}

interface Assignment {
  id: string;
  intent: 'required' | 'available' | 'uninstall' | 'availableWithoutEnrollment';
  target: { '@odata.type': string; groupId: string };
  settings: unknown;
}

interface DeviceInstall {
  state: 'installed' | 'failed' | 'uninstalled';
  readyAt: number;
}

interface SimApp {
  id: string;
  body: Record<string, unknown>;
  assignments: Assignment[];
  installs: Map<string, DeviceInstall>;
  createdDateTime: string;
}

/** Counters an operator (or a test) reads to prove idempotency and count retries. */
export interface IntuneSimStats {
  requests: number;
  requestsByRoute: Record<string, number>;
  apps: number;
  appsByDisplayName: Record<string, number>;
  /** How many times each (app, group) pair was newly added as a required assignment. */
  requiredAssignmentAdds: Record<string, number>;
  uninstallAssignments: number;
}

const GRAPH_BASES = ['/beta/deviceAppManagement', '/v1.0/deviceAppManagement'];

function graphError(res: Response, status: number, code: string, message: string): void {
  res.status(status).json({ error: { code, message, innerError: { 'request-id': randomUUID(), date: new Date().toISOString() } } });
}

/** Parses `displayName eq 'x'` (quotes doubled inside, as OData escapes them). */
function displayNameFilter(filter: unknown): string | null {
  if (typeof filter !== 'string') return null;
  const m = /^displayName eq '((?:[^']|'')*)'$/.exec(filter.trim());
  return m ? m[1]!.replace(/''/g, "'") : null;
}

/**
 * Microsoft Intune (Graph) simulator for the subset the connector uses: client-credential tokens, win32LobApp create and
 * lookup by displayName, assignments with Graph's replace-all `assign` semantics, installSummary, and groups by
 * displayName. Devices come from a deterministic fleet; installs complete over time with a configurable failure rate.
 * See ../shared/vendor-contracts.md §1.
 */
export class IntuneSimulator {
  readonly config: IntuneSimConfig = {
    failureRate: 0,
    failureRules: [],
    installDurationMs: 2000,
    outage: false,
    latencyMs: 0,
    failNext: 0,
    failStatus: 503,
    errorRate: 0,
    throttleNext: 0,
    retryAfterSeconds: 1,
  };
  readonly clientId: string;
  readonly clientSecret: string;
  private readonly tokens = new Set<string>();
  private readonly apps = new Map<string, SimApp>();
  private readonly groupsByName: Map<string, string[]>;
  private readonly groupIds = new Map<string, string>();
  private stats: IntuneSimStats = { requests: 0, requestsByRoute: {}, apps: 0, appsByDisplayName: {}, requiredAssignmentAdds: {}, uninstallAssignments: 0 };
  private server: Server | undefined;
  /** Windows and macOS devices of the fleet as Intune's inventory (intune-inventory-routes.ts). */
  readonly inventory: FleetInventory;

  /** `credentials` default to the fixed demo pair `eucora-sim-client` / `eucora-sim-secret`. */
  constructor(fleet: FleetOptions = {}, credentials: { clientId: string; clientSecret: string } = { clientId: 'eucora-sim-client', clientSecret: 'eucora-sim-secret' }) {
    this.clientId = credentials.clientId;
    this.clientSecret = credentials.clientSecret;
    this.groupsByName = assignRingGroups(generateFleet(fleet));
    this.inventory = FleetInventory.forPlane('intune', fleet);
    for (const name of this.groupsByName.keys()) {
      // Stable GUID-shaped ids per group name.
      const h = [hash32(`g1:${name}`), hash32(`g2:${name}`), hash32(`g3:${name}`), hash32(`g4:${name}`)].map((x) => x.toString(16).padStart(8, '0')).join('');
      this.groupIds.set(name, `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`);
    }
  }

  /** Members of a group by id. */
  private members(groupId: string): string[] {
    for (const [name, id] of this.groupIds) if (id === groupId) return this.groupsByName.get(name) ?? [];
    return [];
  }

  /** Group sizes by display name. */
  groupSizes(): Record<string, number> {
    return Object.fromEntries([...this.groupsByName].map(([n, m]) => [n, m.length]));
  }

  getStats(): IntuneSimStats {
    return JSON.parse(JSON.stringify({ ...this.stats, apps: this.apps.size }));
  }

  reset(): void {
    this.apps.clear();
    this.stats = { requests: 0, requestsByRoute: {}, apps: 0, appsByDisplayName: {}, requiredAssignmentAdds: {}, uninstallAssignments: 0 };
  }

  private failureRateFor(app: SimApp): number {
    const name = String(app.body.displayName ?? '');
    return this.config.failureRules.find((r) => name.includes(r.match))?.rate ?? this.config.failureRate;
  }

  private applyAssignments(app: SimApp, next: Assignment[]): void {
    const now = Date.now();
    const before = new Map(app.assignments.map((a) => [a.target.groupId, a.intent]));
    for (const a of next) {
      const prev = before.get(a.target.groupId);
      if (a.intent === 'required' && prev !== 'required') {
        const key = `${app.id}:${a.target.groupId}`;
        this.stats.requiredAssignmentAdds[key] = (this.stats.requiredAssignmentAdds[key] ?? 0) + 1;
        const rate = this.failureRateFor(app);
        for (const deviceId of this.members(a.target.groupId)) {
          const fails = unit(`fail:${app.id}:${deviceId}`) < rate;
          const readyAt = now + Math.floor(unit(`t:${app.id}:${deviceId}`) * this.config.installDurationMs);
          app.installs.set(deviceId, { state: fails ? 'failed' : 'installed', readyAt });
        }
      }
      if (a.intent === 'uninstall' && prev !== 'uninstall') {
        this.stats.uninstallAssignments++;
        for (const deviceId of this.members(a.target.groupId)) {
          if (app.installs.has(deviceId)) app.installs.set(deviceId, { state: 'uninstalled', readyAt: now + Math.floor(this.config.installDurationMs / 2) });
        }
      }
    }
    app.assignments = next;
  }

  private summary(app: SimApp) {
    const now = Date.now();
    const c = { installedDeviceCount: 0, failedDeviceCount: 0, notApplicableDeviceCount: 0, notInstalledDeviceCount: 0, pendingInstallDeviceCount: 0 };
    for (const d of app.installs.values()) {
      if (now < d.readyAt) c.pendingInstallDeviceCount++;
      else if (d.state === 'installed') c.installedDeviceCount++;
      else if (d.state === 'failed') c.failedDeviceCount++;
      else c.notInstalledDeviceCount++;
    }
    return {
      '@odata.context': `https://graph.microsoft.com/beta/$metadata#deviceAppManagement/mobileApps('${app.id}')/installSummary/$entity`,
      '@odata.type': '#microsoft.graph.mobileAppInstallSummary',
      id: app.id,
      ...c,
      installedUserCount: 0,
      failedUserCount: 0,
      notApplicableUserCount: 0,
      notInstalledUserCount: 0,
      pendingInstallUserCount: 0,
    };
  }

  /** The express app: Graph routes, the token endpoint and `/_sim/*` admin routes. */
  app(): express.Express {
    const app = express();
    app.use(express.json({ limit: '5mb' }));
    app.use(express.urlencoded({ extended: false }));

    app.get('/_sim/stats', (_req, res) => void res.json({ ...this.getStats(), groups: this.groupSizes(), config: this.config }));
    // Fault injection and behaviour: POST a partial IntuneSimConfig, e.g. {"outage": true} or {"throttleNext": 3, "retryAfterSeconds": 2}.
    app.post('/_sim/config', (req, res) => {
      Object.assign(this.config, req.body ?? {});
      res.json(this.config);
    });
    inventoryAdminRoutes(app, () => this.inventory);
    app.post('/_sim/reset', (_req, res) => {
      this.reset();
      res.status(204).end();
    });

    // Shared fault injection and counters (agent-sim/src/shared/fault-injection.ts); the fault knobs live in `config`.
    app.use(faultMiddleware(this.config, this.stats, (res, status, message) => graphError(res, status, status === 429 ? 'TooManyRequests' : status >= 500 ? 'ServiceUnavailable' : 'BadRequest', message)));

    app.post('/:tenant/oauth2/v2.0/token', (req, res) => {
      const b = req.body as Record<string, string>;
      if (b.grant_type !== 'client_credentials' || b.client_id !== this.clientId || b.client_secret !== this.clientSecret) {
        return void res.status(400).json({
          error: 'invalid_client',
          error_description: 'AADSTS7000215: Invalid client secret provided.',
          error_codes: [7000215],
          timestamp: new Date().toISOString(),
          trace_id: randomUUID(),
          correlation_id: randomUUID(),
        });
      }
      const token = randomBytes(24).toString('base64url');
      this.tokens.add(token);
      res.json({ token_type: 'Bearer', expires_in: 3599, ext_expires_in: 3599, access_token: token });
    });

    const authed = (req: Request, res: Response, next: NextFunction) => {
      const h = req.header('authorization') ?? '';
      if (!h.startsWith('Bearer ') || !this.tokens.has(h.slice(7))) {
        return graphError(res, 401, 'InvalidAuthenticationToken', 'Access token is empty or invalid.');
      }
      next();
    };

    registerIntuneInventoryRoutes(app, this.inventory, authed);
    app.get('/v1.0/groups', authed, (req, res) => {
      const name = displayNameFilter(req.query.$filter);
      if (name === null) return graphError(res, 400, 'BadRequest', "Only $filter=displayName eq '…' is supported");
      const id = this.groupIds.get(name);
      res.json({ value: id ? [{ id, displayName: name }] : [] });
    });

    for (const base of GRAPH_BASES) {
      app.get(`${base}/mobileApps`, authed, (req, res) => {
        const name = displayNameFilter(req.query.$filter);
        const all = [...this.apps.values()].filter((a) => name === null || a.body.displayName === name);
        res.json({ '@odata.context': 'https://graph.microsoft.com/beta/$metadata#deviceAppManagement/mobileApps', value: all.map((a) => this.view(a)) });
      });
      app.post(`${base}/mobileApps`, authed, (req, res) => {
        const body = (req.body ?? {}) as Record<string, unknown>;
        if (body['@odata.type'] !== '#microsoft.graph.win32LobApp') return graphError(res, 400, 'BadRequest', 'Unsupported @odata.type');
        if (typeof body.displayName !== 'string' || !body.displayName) return graphError(res, 400, 'BadRequest', 'displayName is required');
        // Graph does not deduplicate: two creates with one displayName make two apps. The connector must look up first.
        const sim: SimApp = { id: randomUUID(), body, assignments: [], installs: new Map(), createdDateTime: new Date().toISOString() };
        this.apps.set(sim.id, sim);
        this.stats.appsByDisplayName[body.displayName] = (this.stats.appsByDisplayName[body.displayName] ?? 0) + 1;
        res.status(201).json(this.view(sim));
      });
      app.get(`${base}/mobileApps/:id`, authed, (req, res) => {
        const a = this.apps.get(String(req.params.id));
        if (!a) return graphError(res, 404, 'ResourceNotFound', 'Resource not found');
        res.json(this.view(a));
      });
      app.get(`${base}/mobileApps/:id/assignments`, authed, (req, res) => {
        const a = this.apps.get(String(req.params.id));
        if (!a) return graphError(res, 404, 'ResourceNotFound', 'Resource not found');
        res.json({ value: a.assignments });
      });
      app.post(`${base}/mobileApps/:id/assign`, authed, (req, res) => {
        const a = this.apps.get(String(req.params.id));
        if (!a) return graphError(res, 404, 'ResourceNotFound', 'Resource not found');
        const list = (req.body as { mobileAppAssignments?: unknown }).mobileAppAssignments;
        if (!Array.isArray(list)) return graphError(res, 400, 'BadRequest', 'mobileAppAssignments is required');
        const next: Assignment[] = [];
        for (const raw of list as Record<string, unknown>[]) {
          const target = raw.target as { groupId?: string; '@odata.type'?: string } | undefined;
          const intent = raw.intent as Assignment['intent'];
          if (!target?.groupId || !['required', 'available', 'uninstall', 'availableWithoutEnrollment'].includes(intent)) {
            return graphError(res, 400, 'BadRequest', 'Each assignment needs intent and target.groupId');
          }
          next.push({ id: `${a.id}_${target.groupId}`, intent, target: { '@odata.type': target['@odata.type'] ?? '#microsoft.graph.groupAssignmentTarget', groupId: target.groupId }, settings: raw.settings ?? null });
        }
        // Replace-all: whatever is not in the new list is removed.
        this.applyAssignments(a, next);
        res.status(204).end();
      });
      app.get(`${base}/mobileApps/:id/installSummary`, authed, (req, res) => {
        const a = this.apps.get(String(req.params.id));
        if (!a) return graphError(res, 404, 'ResourceNotFound', 'Resource not found');
        res.json(this.summary(a));
      });
    }
    app.use((_req, res) => graphError(res, 404, 'ResourceNotFound', 'Resource not found'));
    return app;
  }

  private view(a: SimApp) {
    return { ...a.body, id: a.id, createdDateTime: a.createdDateTime, publishingState: 'published', isAssigned: a.assignments.length > 0 };
  }

  /** Listens on 127.0.0.1:`port` (0 = any free port); resolves with the base URL. */
  async listen(port = 0): Promise<string> {
    const { server, url } = await listenOnLoopback(this.app(), port);
    this.server = server;
    return url;
  }

  async close(): Promise<void> {
    await closeServer(this.server);
  }
}
