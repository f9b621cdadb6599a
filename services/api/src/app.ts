import express, { type Express } from 'express';
import pinoHttp from 'pino-http';
import type { Logger } from 'pino';
import { safeErrorSerializer } from '@eucora/runtime';
import { correlationMiddleware } from './http/correlation';
import { createErrorHandler, notFoundHandler } from './http/problem';
import { inputGuard, refuseDeepJson } from './http/input-guard';
import { healthRouter } from './routers/health.router';
import { adminTokensRouter } from './routers/admin-tokens.router';
import { intentsRouter } from './routers/intents.router';
import { docsRouter } from './routers/docs.router';
import { governanceRouter } from './routers/governance.router';
import { evidenceRouter } from './routers/evidence.router';
import type { EvidenceService } from './services/evidence.service';
import type { ArtifactService } from './services/artifact.service';
import type { ConnectorConfigService } from './services/connector-config.service';
import { metricsAuth, type ApiMetrics } from './http/metrics';
import type { ApiRateLimiter } from './http/rate-limit';
import { connectorsRouter } from './routers/connectors.router';
import { devicesRouter } from './routers/devices.router';
import type { DeviceService } from './services/device.service';
import type { AuditService } from './services/audit.service';
import type { CabService } from './services/cab.service';
import type { ExceptionService } from './services/exception.service';
import type { HealthService } from './services/health.service';
import type { TokenService } from './services/token.service';
import type { IntentService } from './services/intent.service';

/** Everything the HTTP app needs; `main.ts` wires real adapters, tests may wire the same against the test stack. */
export interface AppDeps {
  logger: Logger;
  health: HealthService;
  tokens: TokenService;
  intents: IntentService;
  cab: CabService;
  exceptions: ExceptionService;
  audit: AuditService;
  evidence: EvidenceService;
  artifacts: ArtifactService;
  connectors: ConnectorConfigService;
  /** Device inventory reads (`/api/v1/devices`). */
  devices: DeviceService;
  /** Prometheus registry and request timing; `/metrics` is served when present. */
  metrics?: ApiMetrics;
  /** Largest accepted JSON body in bytes. */
  maxBodyBytes: number;
  /** Per-token/per-tenant rate limits; default none (no limits). */
  rateLimiter?: ApiRateLimiter;
  /** Dedicated bearer token for `/metrics` besides sre/admin API tokens; default none. */
  metricsToken?: string;
}

/** Builds the express app. No listening, no process-level side effects. */
export function createApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', false);
  app.use(correlationMiddleware);
  if (deps.metrics) {
    const metrics = deps.metrics;
    app.use(metrics.middleware());
    // --- issue 8 finding 7: /metrics needs a metrics token or an sre/admin API token ---
    app.get('/metrics', metricsAuth(deps.tokens, deps.metricsToken, deps.rateLimiter), metrics.handler());
  }
  // --- issue 8 finding 6: rate limits, charged by `authenticate` (health and metrics exempt) ---
  if (deps.rateLimiter) app.use(deps.rateLimiter.middleware());
  app.use(
    pinoHttp({
      logger: deps.logger,
      genReqId: (_req, res) => (res as express.Response).locals.correlationId,
      customProps: (_req, res) => ({
        correlation_id: (res as express.Response).locals.correlationId,
        tenant_id: (res as express.Response).locals.tenantId,
      }),
      // Health probes would drown everything else.
      autoLogging: { ignore: (req) => (req.url ?? '').startsWith('/api/v1/health') },
      serializers: {
        req: (req: { method: string; url: string }) => ({ method: req.method, url: req.url }),
        // issue 8 finding 10: no SQL parameters, stacks only at debug
        err: safeErrorSerializer(deps.logger.isLevelEnabled('debug')),
      },
    }),
  );
  app.use(express.json({ limit: deps.maxBodyBytes, type: ['application/json', 'application/*+json'], verify: refuseDeepJson }));
  // Central intake check (NUL, lone surrogates, JSON depth) over body, query and path; see http/input-guard.ts.
  app.use(inputGuard());
  app.use(docsRouter());
  app.use('/api/v1', healthRouter(deps.health));
  app.use('/api/v1', adminTokensRouter(deps.tokens));
  app.use('/api/v1', intentsRouter(deps.tokens, deps.intents, deps.artifacts));
  app.use('/api/v1', governanceRouter(deps.tokens, deps.cab, deps.exceptions, deps.audit));
  app.use('/api/v1', evidenceRouter(deps.tokens, deps.evidence));
  app.use('/api/v1', connectorsRouter(deps.tokens, deps.connectors));
  app.use('/api/v1', devicesRouter(deps.tokens, deps.devices));
  app.use(notFoundHandler);
  app.use(createErrorHandler(deps.logger));
  return app;
}
