import type { DataSource } from 'typeorm';
import type { Logger } from 'pino';
import { NotFoundError, type ServiceConfig } from '@eucora/core';
import { IntuneConnector, ResilienceRegistry, type BreakerState, type PlaneConnector, type ResilienceOptions } from '@eucora/connectors';
import type { ConnectorRegistry } from '@eucora/workflows';

/**
 * Connectors configured from the process environment (one plane endpoint for all tenants), each tenant with its own
 * breaker. Per-tenant connector configuration through the API replaces the endpoint source with the connectors issue.
 */
export class EnvConnectorRegistry implements ConnectorRegistry {
  private readonly intune = new Map<string, IntuneConnector>();
  private readonly resilience: ResilienceRegistry;

  constructor(
    private readonly config: ServiceConfig,
    opts: { ds?: DataSource; logger?: Logger; resilience?: ResilienceOptions } = {},
  ) {
    this.resilience = new ResilienceRegistry(opts.resilience, (tenantId, plane, state) => recordBreaker(opts, tenantId, plane, state));
  }

  async get(tenantId: string, plane: string): Promise<PlaneConnector> {
    const c = this.config;
    if (plane === 'intune' && c.INTUNE_GRAPH_URL && c.INTUNE_CLIENT_ID && c.INTUNE_CLIENT_SECRET) {
      let conn = this.intune.get(tenantId);
      if (!conn) {
        conn = new IntuneConnector({
          graphUrl: c.INTUNE_GRAPH_URL,
          authorityUrl: c.INTUNE_AUTHORITY_URL ?? c.INTUNE_GRAPH_URL,
          tenantId: c.INTUNE_TENANT_ID,
          clientId: c.INTUNE_CLIENT_ID,
          clientSecret: c.INTUNE_CLIENT_SECRET,
          caller: this.resilience.get(tenantId, 'intune'),
        });
        this.intune.set(tenantId, conn);
      }
      return conn;
    }
    throw new NotFoundError(`No connector is configured for plane "${plane}"`);
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
