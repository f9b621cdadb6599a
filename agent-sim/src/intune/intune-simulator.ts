import express, { type Response } from 'express';
import type { FleetOptions } from '../fleet';
import { SimServer } from '../shared/sim-server';
import { FleetInventory } from '../shared/fleet-inventory';
import { GRAPH_BASES, graphError } from './graph-http';
import { registerIntuneInventoryRoutes } from './intune-inventory-routes';
import { EntraRingGroups } from './intune-ring-groups';
import { IntuneState, type IntuneContentConfig, type IntuneSimCounters } from './intune-state';
import { registerAssignmentRoutes, installOnNewMembers } from './routes/assignments';
import { bearerAuth, registerTokenRoute } from './routes/auth';
import { registerBlobRoutes } from './routes/blob-storage';
import { registerContentRoutes } from './routes/content';
import { registerDeviceReportRoutes } from './routes/devices';
import { registerFleetGroupRoutes } from './routes/groups';
import { registerMobileAppRoutes } from './routes/mobile-apps';

export type { IntuneContentConfig, IntuneSimCounters } from './intune-state';
export { REPORT_PAGE_CAP } from './routes/devices';

/**
 * Microsoft Intune (Graph) simulator, at least as strict as Graph on what the connector uses (vendor-contracts.md §1, A1, B):
 * client-credential tokens; win32LobApp create (four detection types) and lookup by displayName; the content state machine
 * (content versions, files with `uploadState`, SAS URIs served by a fake Azure blob endpoint on this listener, renewUpload,
 * commit verifying size, MAC, decryption and digest, `committedContentVersion` → `published`); assignments with Graph's
 * replace-all `assign`, refused while the app is not published; installSummary; groups by displayName.
 * The tenant's objects live in intune-state.ts; each Graph area registers its routes from routes/.
 */
export class IntuneSimulator extends SimServer {
  readonly clientId: string;
  readonly clientSecret: string;
  private readonly state: IntuneState;
  /** Content-upload timings; the same object `POST /_sim/content` changes. */
  readonly content: IntuneContentConfig;
  /** Windows and macOS devices of the fleet as Intune's inventory (intune-inventory-routes.ts). */
  readonly inventory: FleetInventory;
  /** Entra security groups created at run time as ring targets (contracts A1). */
  readonly ringGroups: EntraRingGroups;

  /** `credentials` default to the fixed demo pair `eucora-sim-client` / `eucora-sim-secret`. */
  constructor(
    fleet: FleetOptions = {},
    credentials: { clientId: string; clientSecret: string } = { clientId: 'eucora-sim-client', clientSecret: 'eucora-sim-secret' },
  ) {
    super(fleet);
    this.clientId = credentials.clientId;
    this.clientSecret = credentials.clientSecret;
    this.state = new IntuneState(this.engine);
    this.content = this.state.content;
    this.inventory = FleetInventory.forPlane('intune', this.fleet);
    this.ringGroups = new EntraRingGroups(this.inventory);
    this.ringGroups.onMembersAdded = (groupId, fleetIds) => installOnNewMembers(this.state, groupId, fleetIds);
  }

  protected counters(): IntuneSimCounters {
    return {
      ...this.state.counts,
      apps: this.state.apps.size,
      ...this.ringGroups.store.stats(),
      deletedDevices: this.ringGroups.deletedDevices.size,
    };
  }

  override getStats(): ReturnType<SimServer['getStats']> & IntuneSimCounters {
    return super.getStats() as ReturnType<SimServer['getStats']> & IntuneSimCounters;
  }

  protected renderError(res: Response, status: number, message: string): void {
    graphError(
      res,
      status,
      status === 429 ? 'TooManyRequests' : status >= 500 ? 'ServiceUnavailable' : status === 404 ? 'ResourceNotFound' : 'BadRequest',
      message,
    );
  }

  /** Group sizes by display name. */
  groupSizes(): Record<string, number> {
    return Object.fromEntries([...this.engine.groups].map(([n, m]) => [n, m.length]));
  }

  /** Forgets every app and zeroes the counters in place, so the fault middleware keeps counting into the live stats. */
  reset(): void {
    this.state.reset();
    this.stats.requests = 0;
    for (const k of Object.keys(this.stats.requestsByRoute)) delete this.stats.requestsByRoute[k];
  }

  // Registration order matters: the blob endpoint reads raw bodies before the JSON parser, and run-time ring groups answer
  // `GET /v1.0/groups` before the inventory and fleet groups do.
  protected routes(app: express.Express): void {
    app.post('/_sim/reset', (_req, res) => {
      this.reset();
      res.status(204).end();
    });
    app.post('/_sim/content', express.json(), (req, res) => void res.json(Object.assign(this.content, req.body ?? {})));
    registerBlobRoutes(app, this.state);

    app.use(express.urlencoded({ extended: false }));
    app.use(express.json({ limit: '5mb' }));
    registerTokenRoute(app, this.state, { clientId: this.clientId, clientSecret: this.clientSecret });
    const authed = bearerAuth(this.state);

    this.ringGroups.register(app, authed);
    registerIntuneInventoryRoutes(app, this.inventory, authed);
    registerFleetGroupRoutes(app, this.state, authed);
    registerDeviceReportRoutes(app, this.state, authed);
    for (const base of GRAPH_BASES) {
      registerMobileAppRoutes(app, this.state, authed, base);
      registerContentRoutes(app, this.state, authed, base);
      registerAssignmentRoutes(app, this.state, this.ringGroups, authed, base);
    }
  }
}
