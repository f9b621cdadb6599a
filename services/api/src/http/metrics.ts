import type { RequestHandler } from 'express';
import { Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { DataSource } from 'typeorm';
import { PRODUCT_VERSION } from '@eucora/core';

/**
 * Prometheus metrics of the API process: HTTP latency by route and status, the product version, and — read from
 * PostgreSQL at scrape time — intents by state and circuit breakers by plane and state (the breakers live in the workers;
 * their transitions are recorded in `connector_breakers`).
 */
export class ApiMetrics {
  readonly registry = new Registry();
  private readonly http: Histogram<'method' | 'route' | 'status'>;

  constructor(ds: DataSource) {
    collectDefaultMetrics({ register: this.registry, prefix: 'eucora_api_' });
    new Gauge({ name: 'eucora_info', help: 'Product version (value is always 1)', labelNames: ['version'], registers: [this.registry] }).set({ version: PRODUCT_VERSION }, 1);
    this.http = new Histogram({
      name: 'eucora_http_request_duration_seconds',
      help: 'API request latency',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [this.registry],
    });
    new Gauge({
      name: 'eucora_connector_breakers',
      help: 'Circuit breakers (one per tenant and plane) by plane and state',
      labelNames: ['plane', 'state'],
      registers: [this.registry],
      async collect() {
        this.reset();
        const rows: { plane: string; state: string; n: number }[] = await ds.query(`SELECT plane, state, count(*)::int AS n FROM connector_breakers GROUP BY plane, state`).catch(() => []);
        for (const r of rows) this.set({ plane: r.plane, state: r.state }, r.n);
      },
    });
    new Gauge({
      name: 'eucora_connector_breaker_transitions',
      help: 'Breaker transitions recorded, by plane (all tenants)',
      labelNames: ['plane'],
      registers: [this.registry],
      async collect() {
        this.reset();
        const rows: { plane: string; n: string }[] = await ds.query(`SELECT plane, sum(transitions)::text AS n FROM connector_breakers GROUP BY plane`).catch(() => []);
        for (const r of rows) this.set({ plane: r.plane }, Number(r.n));
      },
    });
    new Gauge({
      name: 'eucora_intents',
      help: 'Deployment intents by state (all tenants)',
      labelNames: ['state'],
      registers: [this.registry],
      async collect() {
        this.reset();
        const rows: { state: string; n: number }[] = await ds.query(`SELECT state, count(*)::int AS n FROM deployment_intents GROUP BY state`).catch(() => []);
        for (const r of rows) this.set({ state: r.state }, r.n);
      },
    });
  }

  /** Times every request; the route label has ids folded to `:id` (bounded cardinality, no identifiers in metrics). */
  middleware(): RequestHandler {
    return (req, res, next) => {
      const end = this.http.startTimer({ method: req.method });
      res.on('finish', () => {
        // Express resets baseUrl while unwinding, so the label comes from the URL with ids folded; unmatched URLs share one.
        const path = req.originalUrl.split('?')[0] ?? '';
        const route = res.statusCode === 404 && !req.route ? 'unmatched' : path.replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi, ':id').replace(/\/\d+(?=\/|$)/g, '/:n');
        end({ route, status: String(res.statusCode) });
      });
      next();
    };
  }
}
