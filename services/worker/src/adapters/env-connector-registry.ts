import type { DataSource } from 'typeorm';
import type { Logger } from 'pino';
import { NotFoundError, type ServiceConfig } from '@eucora/core';
import { ConnectorConfigRepository } from '@eucora/persistence';
import { assertOutboundUrlAllowed, outboundPolicyFrom, SecretBox, type OutboundPolicy } from '@eucora/runtime';
import {
  AwxConnector,
  IntuneConnector,
  JamfConnector,
  LandscapeConnector,
  ResilienceRegistry,
  SccmConnector,
  type BreakerState,
  type PlaneConnector,
  type ResilienceOptions,
  type OutboundCheck,
  type ResilientCaller,
} from '@eucora/connectors';
import type { ConnectorRegistry } from '@eucora/workflows';

/** A plane endpoint with decrypted credentials, as the connector factories need it. */
interface Endpoint {
  baseUrl: string;
  authUrl: string | null;
  settings: Record<string, string>;
  credentials: Record<string, string>;
  /** Tenant-supplied URLs are checked at every request; the operator's own (environment) endpoint is trusted. */
  check?: OutboundCheck;
}

/** Builds the connector of a plane from its endpoint. */
function buildConnector(plane: string, e: Endpoint, caller: ResilientCaller): PlaneConnector {
  const s = e.settings;
  const c = e.credentials;
  const check = e.check;
  switch (plane) {
    case 'intune':
      return new IntuneConnector({ graphUrl: e.baseUrl, authorityUrl: e.authUrl ?? e.baseUrl, tenantId: s.tenantId ?? 'common', clientId: s.clientId ?? '', clientSecret: c.clientSecret ?? '', caller, check });
    case 'jamf':
      return new JamfConnector({ baseUrl: e.baseUrl, clientId: s.clientId ?? '', clientSecret: c.clientSecret ?? '', caller, check });
    case 'sccm':
      return new SccmConnector({ baseUrl: e.baseUrl, username: s.username ?? '', password: c.password ?? '', contentLocation: s.contentLocation, caller, check });
    case 'landscape':
      return new LandscapeConnector({ baseUrl: e.baseUrl, accessKey: s.accessKey ?? '', secretKey: c.secretKey ?? '', caller, check });
    case 'awx':
      return new AwxConnector({ baseUrl: e.baseUrl, username: s.username ?? '', password: c.password ?? '', deployTemplate: s.deployTemplate, rollbackTemplate: s.rollbackTemplate, organizationId: s.organizationId ? Number(s.organizationId) : undefined, inventoryId: s.inventoryId ? Number(s.inventoryId) : undefined, caller, check });
    default:
      throw new NotFoundError(`Unknown plane "${plane}"`);
  }
}

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
    this.resilience = new ResilienceRegistry(opts.resilience, (tenantId, plane, state) => recordBreaker(opts, tenantId, plane, state));
    this.configs = opts.ds ? new ConnectorConfigRepository(opts.ds) : undefined;
    this.box = config.CONNECTOR_SECRET_KEY ? new SecretBox(config.CONNECTOR_SECRET_KEY) : undefined;
    this.refreshMs = opts.refreshMs ?? 30_000;
    this.outbound = outboundPolicyFrom(config.EUCORA_OUTBOUND_ALLOW_HTTP_HOSTS, config.EUCORA_OUTBOUND_ALLOW_HOSTS);
  }

  private readonly outbound: OutboundPolicy;

  private readonly refreshMs: number;

  private async endpoint(tenantId: string, plane: string): Promise<{ version: string; endpoint: Endpoint } | null> {
    const row = await this.configs?.find(tenantId, plane);
    if (row) {
      if (!this.box) throw new NotFoundError(`The ${plane} connector of this tenant is configured but CONNECTOR_SECRET_KEY is not set on the worker`);
      const credentials = JSON.parse(this.box.open(row.credentialsSealed, `${tenantId}:${plane}`)) as Record<string, string>;
      const check: OutboundCheck = (url) => assertOutboundUrlAllowed(url.href, this.outbound, `${plane}.baseUrl`);
      return { version: row.updatedAt, endpoint: { baseUrl: row.baseUrl, authUrl: row.authUrl, settings: row.settings, credentials, check } };
    }
    const c = this.config;
    if (plane === 'intune' && c.INTUNE_GRAPH_URL && c.INTUNE_CLIENT_ID && c.INTUNE_CLIENT_SECRET) {
      return {
        version: 'env',
        endpoint: { baseUrl: c.INTUNE_GRAPH_URL, authUrl: c.INTUNE_AUTHORITY_URL ?? null, settings: { tenantId: c.INTUNE_TENANT_ID, clientId: c.INTUNE_CLIENT_ID }, credentials: { clientSecret: c.INTUNE_CLIENT_SECRET } },
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
    const connector = buildConnector(plane, ep.endpoint, this.resilience.get(tenantId, plane));
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
