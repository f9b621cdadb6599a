import { createHash, timingSafeEqual } from 'node:crypto';
import type { Request, RequestHandler } from 'express';
import { Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { isUnauthenticatedError, NotAllowedError, PRODUCT_VERSION, rolesGrant, UnauthenticatedError } from '@eucora/core';
import type { ApiRateLimiter } from './rate-limit';
import type { TokenService } from '../services/token.service';

/** Scrape-time counts behind the gauges (the PostgreSQL repositories in production). */
export interface MetricsSources {
  /** `ConnectorBreakerRepository`: breakers by plane and state, and transitions by plane. */
  breakers: {
    countsByPlane(): Promise<Record<string, Record<'closed' | 'open' | 'half_open', number>>>;
    transitionsByPlane(): Promise<Record<string, number>>;
  };
  /** `DeploymentIntentRepository`: intents by state, all tenants. */
  intents: { countByState(): Promise<Record<string, number>> };
}

/**
 * Prometheus metrics of the API process: HTTP latency by route and status, the product version, and — read from
 * PostgreSQL at scrape time — intents by state and circuit breakers by plane and state (the breakers live in the workers;
 * their transitions are recorded in `connector_breakers`). A failing read leaves its gauge empty for that scrape.
 */
export class ApiMetrics {
  readonly registry = new Registry();
  private readonly http: Histogram<'method' | 'route' | 'status'>;

  constructor(sources: MetricsSources) {
    collectDefaultMetrics({ register: this.registry, prefix: 'eucora_api_' });
    new Gauge({
      name: 'eucora_info',
      help: 'Product version (value is always 1)',
      labelNames: ['version'],
      registers: [this.registry],
    }).set({ version: PRODUCT_VERSION }, 1);
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
        const byPlane = await sources.breakers.countsByPlane().catch(() => ({}));
        for (const [plane, counts] of Object.entries(byPlane)) {
          // Only states some breaker is in, as before: no zero series for the states a plane's breakers are not in.
          for (const [state, n] of Object.entries(counts)) if (n > 0) this.set({ plane, state }, n);
        }
      },
    });
    new Gauge({
      name: 'eucora_connector_breaker_transitions',
      help: 'Breaker transitions recorded, by plane (all tenants)',
      labelNames: ['plane'],
      registers: [this.registry],
      async collect() {
        this.reset();
        for (const [plane, n] of Object.entries(await sources.breakers.transitionsByPlane().catch(() => ({})))) this.set({ plane }, n);
      },
    });
    new Gauge({
      name: 'eucora_intents',
      help: 'Deployment intents by state (all tenants)',
      labelNames: ['state'],
      registers: [this.registry],
      async collect() {
        this.reset();
        for (const [state, n] of Object.entries(await sources.intents.countByState().catch(() => ({})))) this.set({ state }, n);
      },
    });
  }

  /**
   * Times every request, labelled by the matched route template (`/api/v1/connectors/:plane`) only — never the raw path —
   * so arbitrary URLs cannot create series. Requests answered before a route matched (unknown paths, router-level 401s)
   * share `route="unmatched"`.
   */
  middleware(): RequestHandler {
    return (req, res, next) => {
      const end = this.http.startTimer({ method: knownMethod(req.method) });
      res.on('finish', () => end({ route: routeTemplate(req), status: String(res.statusCode) }));
      next();
    };
  }

  /** Serves the registry; mount it behind `metricsAuth`. */
  handler(): RequestHandler {
    return async (_req, res) => void res.type(this.registry.contentType).send(await this.registry.metrics());
  }
}

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);
const knownMethod = (m: string): string => (METHODS.has(m) ? m : 'other');

/**
 * The template of the route that handled `req`. Express restores `baseUrl` while unwinding, so the mount prefix is
 * recovered from the URL: the route path has as many segments as the URL's tail it matched (all routes are plain strings).
 */
export function routeTemplate(req: Request): string {
  const route = (req as Request & { route?: { path?: unknown } }).route;
  if (!route || typeof route.path !== 'string') return 'unmatched';
  const tail = route.path.split('/').filter(Boolean).length;
  const segments = (req.originalUrl.split('?')[0] ?? '').split('/').filter(Boolean);
  if (segments.length < tail) return 'unmatched';
  const base = segments.slice(0, segments.length - tail).join('/');
  return `${base ? `/${base}` : ''}${route.path}`;
}

/**
 * Guards `/metrics`: a bearer that is the dedicated `EUCORA_METRICS_TOKEN` (constant-time compare) or an API token
 * with role `sre` or `admin`; 401 without one, 403 for other roles. The page shows cross-tenant counts, so never public.
 */
export function metricsAuth(tokens: TokenService, metricsToken: string | undefined, limiter?: ApiRateLimiter): RequestHandler {
  const expected = metricsToken ? createHash('sha256').update(metricsToken).digest() : undefined;
  return async (req, res, next) => {
    const header = req.header('authorization');
    const bearer = header?.startsWith('Bearer ') ? header.slice(7).trim() : undefined;
    const refused = new UnauthenticatedError('/metrics needs a bearer token (EUCORA_METRICS_TOKEN or an sre/admin API token)');
    // Failed scrapes are charged like failed logins, so the metrics token cannot be guessed at full speed.
    if (!bearer) return limiter && !limiter.admitAnonymous(req, res) ? undefined : next(refused);
    if (expected && timingSafeEqual(createHash('sha256').update(bearer).digest(), expected)) return next();
    try {
      const principal = await tokens.authenticate(bearer);
      // `ops:read` is what sre and admin hold (core/tenancy/roles.ts); the authorization matrix checks the doc against it.
      if (!rolesGrant(principal.roles, 'ops:read'))
        return next(new NotAllowedError('/metrics needs permission ops:read (role sre or admin)'));
      next();
    } catch (err) {
      if (limiter && isUnauthenticatedError(err) && !limiter.admitAnonymous(req, res)) return;
      next(err);
    }
  };
}
