import type { DataSource } from 'typeorm';
import type { Logger } from 'pino';
import { NotFoundError, type ServiceConfig } from '@eucora/core';
import { ConnectorBreakerRepository, ConnectorConfigRepository } from '@eucora/persistence';
import { assertOutboundUrlAllowed, outboundPolicyFrom, SecretBox, type OutboundPolicy } from '@eucora/runtime';
import {
  planeModule,
  ResilienceRegistry,
  type BreakerState,
  type OutboundCheck,
  type PlaneConnector,
  type PlaneEndpoint,
  type ResilienceOptions,
} from '@eucora/connectors';
import type { ConnectorRegistry } from '@eucora/workflows';

/**
 * The connectors of each tenant: the tenant's own configuration (`PUT /api/v1/connectors/:plane`, credentials decrypted
 * here only) or, for Intune when it has none, the process-wide one from the environment (`INTUNE_*`, the demo simulator). Each tenant
 * and plane has its own breaker. A configuration change is picked up within `refreshMs`.
 */
export class EnvConnectorRegistry implements ConnectorRegistry {
  private readonly cache = new Map<string, { at: number; version: string; connector: PlaneConnector }>();
  private readonly resilience: ResilienceRegistry;
  private readonly configs: ConnectorConfigRepository | undefined;
  private readonly box: SecretBox | undefined;

  constructor(
    private readonly config: ServiceConfig,
    opts: { ds?: DataSource; logger?: Logger; resilience?: ResilienceOptions; refreshMs?: number } = {},
  ) {
    const breakers = opts.ds ? new ConnectorBreakerRepository(opts.ds) : undefined;
    this.resilience = new ResilienceRegistry(opts.resilience, (tenantId, plane, state) =>
      recordBreaker(breakers, opts.logger, tenantId, plane, state),
    );
    this.configs = opts.ds ? new ConnectorConfigRepository(opts.ds) : undefined;
    this.box = config.CONNECTOR_SECRET_KEY ? new SecretBox(config.CONNECTOR_SECRET_KEY) : undefined;
    this.refreshMs = opts.refreshMs ?? 30_000;
    this.outbound = outboundPolicyFrom(config.EUCORA_OUTBOUND_ALLOW_HTTP_HOSTS, config.EUCORA_OUTBOUND_ALLOW_HOSTS);
  }

  private readonly outbound: OutboundPolicy;

  private readonly refreshMs: number;

  private async endpoint(tenantId: string, plane: string): Promise<{ version: string; endpoint: PlaneEndpoint } | null> {
    const row = await this.configs?.find(tenantId, plane);
    if (row) {
      if (!this.box)
        throw new NotFoundError(`The ${plane} connector of this tenant is configured but CONNECTOR_SECRET_KEY is not set on the worker`);
      const credentials = JSON.parse(this.box.open(row.credentialsSealed, `${tenantId}:${plane}`)) as Record<string, string>;
      const check: OutboundCheck = (url) => assertOutboundUrlAllowed(url.href, this.outbound, `${plane}.baseUrl`);
      return {
        version: row.updatedAt,
        endpoint: { baseUrl: row.baseUrl, authUrl: row.authUrl, settings: row.settings, credentials, check },
      };
    }
    const c = this.config;
    if (plane === 'intune' && c.INTUNE_GRAPH_URL && c.INTUNE_CLIENT_ID && c.INTUNE_CLIENT_SECRET) {
      return {
        version: 'env',
        endpoint: {
          baseUrl: c.INTUNE_GRAPH_URL,
          authUrl: c.INTUNE_AUTHORITY_URL ?? null,
          settings: { tenantId: c.INTUNE_TENANT_ID, clientId: c.INTUNE_CLIENT_ID },
          credentials: { clientSecret: c.INTUNE_CLIENT_SECRET },
        },
      };
    }
    return null;
  }

  async get(tenantId: string, plane: string): Promise<PlaneConnector> {
    const key = `${tenantId}:${plane}`;
    const cached = this.cache.get(key);
    if (cached && Date.now() - cached.at < this.refreshMs) return cached.connector;
    const ep = await this.endpoint(tenantId, plane);
    if (!ep) throw new NotFoundError(`No connector is configured for plane "${plane}"`);
    if (cached && cached.version === ep.version) {
      cached.at = Date.now();
      return cached.connector;
    }
    const connector = planeModule(plane).connector(ep.endpoint, this.resilience.get(tenantId, plane));
    this.cache.set(key, { at: Date.now(), version: ep.version, connector });
    return connector;
  }
}

/** Logs a breaker transition and stores it for `/api/v1/health`; a failed write must not fail the plane call. */
function recordBreaker(
  breakers: ConnectorBreakerRepository | undefined,
  logger: Logger | undefined,
  tenantId: string,
  plane: string,
  state: BreakerState,
): void {
  logger?.[state === 'open' ? 'warn' : 'info']({ tenant_id: tenantId, plane, breaker: state }, `circuit breaker ${state}`);
  void breakers?.record(tenantId, plane, state).catch((err: Error) => logger?.warn({ err: err.message }, 'could not record breaker state'));
}
