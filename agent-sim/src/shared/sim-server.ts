import type { Server } from 'node:http';
import { closeServer, listenOnLoopback } from './loopback';
import express from 'express';
import { defaultFaults, faultMiddleware, type FaultConfig, type RequestStats } from './fault-injection';
import { DeviceEngine } from './device-engine';
import type { FleetOptions } from '../fleet';
import { inventoryAdminRoutes, type FleetInventory } from './fleet-inventory';

/**
 * Base of the plane simulators: a device engine, request counters, fault injection and the `/_sim/*` admin routes
 * (`GET /_sim/stats`, `POST /_sim/faults`, `POST /_sim/config` for the engine). Subclasses add the vendor routes.
 */
export abstract class SimServer {
  readonly engine: DeviceEngine;
  readonly faults: FaultConfig = defaultFaults();
  protected stats: RequestStats = { requests: 0, requestsByRoute: {} };
  private server: Server | undefined;

  constructor(protected readonly fleet: FleetOptions = {}) {
    this.engine = new DeviceEngine(fleet);
  }

  /** Plane-specific counters for `/_sim/stats` (object counts that prove idempotency). */
  protected abstract counters(): Record<string, unknown>;
  /** Writes an error in the vendor's own format. */
  protected abstract renderError(res: express.Response, status: number, message: string): void;
  /** Vendor routes. */
  protected abstract routes(app: express.Express): void;

  getStats(): RequestStats & Record<string, unknown> {
    return JSON.parse(JSON.stringify({ ...this.stats, ...this.counters() }));
  }

  app(): express.Express {
    const app = express();
    app.get('/_sim/stats', (_req, res) => void res.json({ ...this.getStats(), faults: this.faults, engine: this.engine.config }));
    app.post('/_sim/faults', express.json(), (req, res) => void res.json(Object.assign(this.faults, req.body ?? {})));
    app.post('/_sim/config', express.json(), (req, res) => void res.json(Object.assign(this.engine.config, req.body ?? {})));
    inventoryAdminRoutes(app, () => (this as { inventory?: FleetInventory }).inventory);
    app.use(faultMiddleware(this.faults, this.stats, (res, status, message) => this.renderError(res, status, message)));
    this.routes(app);
    app.use((_req, res) => this.renderError(res, 404, 'Not found'));
    return app;
  }

  async listen(port = 0): Promise<string> {
    const { server, url } = await listenOnLoopback(this.app(), port);
    this.server = server;
    return url;
  }

  async close(): Promise<void> {
    await closeServer(this.server);
  }
}
