import type { DataSource } from 'typeorm';
import type { Logger } from 'pino';
import { NotFoundError, type ServiceConfig } from '@eucora/core';
import { ConnectorConfigRepository } from '@eucora/persistence';
import { SecretBox } from '@eucora/runtime';
import { IntuneConnector, ResilienceRegistry, type BreakerState, type PlaneConnector, type ResilienceOptions } from '@eucora/connectors';
import type { ConnectorRegistry } from '@eucora/workflows';

interface IntuneEndpoint {
  graphUrl: string;
  authorityUrl: string;
  tenantId: string;
  clientId: string;
  clientSecret: string;
}

/**
 * The connectors of each tenant: the tenant's own configuration (`PUT /api/v1/connectors/:plane`, credentials decrypted
 * here only) or, when it has none, the process-wide one from the environment (`INTUNE_*`, the demo simulator). Each tenant
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
    this.resilience = new ResilienceRegistry(opts.resilience, (tenantId, plane, state) => recordBreaker(opts, tenantId, plane, state));
    this.configs = opts.ds ? new ConnectorConfigRepository(opts.ds) : undefined;
    this.box = config.CONNECTOR_SECRET_KEY ? new SecretBox(config.CONNECTOR_SECRET_KEY) : undefined;
    this.refreshMs = opts.refreshMs ?? 30_000;
  }

  private readonly refreshMs: number;

  private async endpoint(tenantId: string, plane: string): Promise<{ version: string; intune: IntuneEndpoint } | null> {
    const row = await this.configs?.find(tenantId, plane);
    if (row) {
      if (!this.box) throw new NotFoundError(`The ${plane} connector of this tenant is configured but CONNECTOR_SECRET_KEY is not set on the worker`);
      const creds = JSON.parse(this.box.open(row.credentialsSealed, `${tenantId}:${plane}`)) as { clientSecret: string };
      return {
        version: row.updatedAt,
        intune: { graphUrl: row.baseUrl, authorityUrl: row.authUrl ?? row.baseUrl, tenantId: row.settings.tenantId ?? 'common', clientId: row.settings.clientId ?? '', clientSecret: creds.clientSecret },
      };
    }
    const c = this.config;
    if (plane === 'intune' && c.INTUNE_GRAPH_URL && c.INTUNE_CLIENT_ID && c.INTUNE_CLIENT_SECRET) {
      return { version: 'env', intune: { graphUrl: c.INTUNE_GRAPH_URL, authorityUrl: c.INTUNE_AUTHORITY_URL ?? c.INTUNE_GRAPH_URL, tenantId: c.INTUNE_TENANT_ID, clientId: c.INTUNE_CLIENT_ID, clientSecret: c.INTUNE_CLIENT_SECRET } };
    }
    return null;
  }

  async get(tenantId: string, plane: string): Promise<PlaneConnector> {
    const key = `${tenantId}:${plane}`;
    const cached = this.cache.get(key);
    if (cached && Date.now() - cached.at < this.refreshMs) return cached.connector;
    const ep = plane === 'intune' ? await this.endpoint(tenantId, plane) : null;
    if (!ep) throw new NotFoundError(`No connector is configured for plane "${plane}"`);
    if (cached && cached.version === ep.version) {
      cached.at = Date.now();
      return cached.connector;
    }
    const connector = new IntuneConnector({ ...ep.intune, caller: this.resilience.get(tenantId, plane) });
    this.cache.set(key, { at: Date.now(), version: ep.version, connector });
    return connector;
  }
}

/** Logs a breaker transition and stores it for `/api/v1/health`; a failed write must not fail the plane call. */
function recordBreaker(opts: { ds?: DataSource; logger?: Logger }, tenantId: string, plane: string, state: BreakerState): void {
  opts.logger?.[state === 'open' ? 'warn' : 'info']({ tenant_id: tenantId, plane, breaker: state }, `circuit breaker ${state}`);
  void opts.ds
    ?.query(
      `INSERT INTO connector_breakers (tenant_id, plane, state, changed_at) VALUES ($1, $2, $3, now())
       ON CONFLICT (tenant_id, plane) DO UPDATE SET state = EXCLUDED.state, changed_at = now(), transitions = connector_breakers.transitions + 1`,
      [tenantId, plane, state],
    )
    .catch((err: Error) => opts.logger?.warn({ err: err.message }, 'could not record breaker state'));
}
