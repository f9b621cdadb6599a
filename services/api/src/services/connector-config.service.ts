import { NotFoundError, UpstreamUnavailableError, type Plane, type Principal } from '@eucora/core';
import type { PlaneEndpointConfig } from '@eucora/connectors';
import type { ConnectorConfigRepository, ConnectorConfigRow, EventRepository, UnitOfWork } from '@eucora/persistence';
import { assertOutboundUrlAllowed, outboundPolicyFrom, type OutboundPolicy, type SecretBox } from '@eucora/runtime';

/** A connector configuration as returned: never the credentials. */
export interface ConnectorConfigView {
  plane: string;
  baseUrl: string;
  authUrl: string | null;
  settings: Record<string, string>;
  credentialsSet: true;
  updatedBy: string;
  updatedAt: string;
}

/** What the service needs from persistence. */
export interface ConnectorConfigDeps {
  configs: Pick<ConnectorConfigRepository, 'upsert' | 'find' | 'list' | 'remove'>;
  events: Pick<EventRepository, 'append'>;
  /** Commits a configuration change and its audit event together. */
  uow: UnitOfWork;
  /** Seals credentials; null when `CONNECTOR_SECRET_KEY` is not set (configuring then answers 503). */
  box: SecretBox | null;
  /** The operator's outbound-URL policy that `baseUrl`/`authUrl` must pass; default https to public hosts only. */
  outbound?: OutboundPolicy;
}

const view = (r: ConnectorConfigRow): ConnectorConfigView => ({
  plane: r.plane,
  baseUrl: r.baseUrl,
  authUrl: r.authUrl,
  settings: r.settings,
  credentialsSet: true,
  updatedBy: r.updatedBy,
  updatedAt: r.updatedAt,
});

/** Per-tenant connector configuration; credentials are sealed with AES-256-GCM before they reach the database. */
export class ConnectorConfigService {
  private readonly outbound: OutboundPolicy;

  constructor(private readonly deps: ConnectorConfigDeps) {
    this.outbound = deps.outbound ?? outboundPolicyFrom();
  }

  /** Refuses (503) before any validation when credentials could not be sealed. */
  assertCanSeal(): SecretBox {
    if (!this.deps.box) throw new UpstreamUnavailableError('CONNECTOR_SECRET_KEY is not configured on the API', 'secret-key');
    return this.deps.box;
  }

  /** Stores a validated configuration (see `PlaneModule.parseConfig`) and its audit event. */
  async put(principal: Principal, plane: Plane, c: PlaneEndpointConfig, correlationId: string): Promise<ConnectorConfigView> {
    const box = this.assertCanSeal();
    // Checked at save time for a clear 400 and again by the worker at every connect (DNS may change in between).
    await assertOutboundUrlAllowed(c.baseUrl, this.outbound, 'baseUrl');
    if (c.authUrl) await assertOutboundUrlAllowed(c.authUrl, this.outbound, 'authUrl');
    const row = await this.deps.configs.upsert({
      tenantId: principal.tenantId,
      plane,
      baseUrl: c.baseUrl,
      authUrl: c.authUrl ?? null,
      settings: c.settings,
      credentialsSealed: box.seal(JSON.stringify(c.credentials), `${principal.tenantId}:${plane}`),
      updatedBy: principal.actor,
    });
    await this.deps.events.append({
      tenantId: principal.tenantId,
      aggregateType: 'connector',
      aggregateId: plane,
      eventType: 'connector.configured',
      actor: principal.actor,
      reason: `${plane} connector configured for ${c.baseUrl} (credentials replaced)`,
      data: { action: 'configure', baseUrl: c.baseUrl, settings: c.settings },
      correlationId,
      dedupeKey: `connector.configured:${plane}:${row.updatedAt}`,
    });
    return view(row);
  }

  async list(principal: Principal): Promise<{ items: ConnectorConfigView[] }> {
    return { items: (await this.deps.configs.list(principal.tenantId)).map(view) };
  }

  async get(principal: Principal, plane: string): Promise<ConnectorConfigView> {
    const row = await this.deps.configs.find(principal.tenantId, plane);
    if (!row) throw new NotFoundError(`No ${plane} connector configured`);
    return view(row);
  }

  async remove(principal: Principal, plane: Plane, correlationId: string): Promise<void> {
    // One transaction: the configuration never disappears without its audit event.
    await this.deps.uow.transaction(async (em) => {
      if (!(await this.deps.configs.remove(principal.tenantId, plane, em))) throw new NotFoundError(`No ${plane} connector configured`);
      await this.deps.events.append(
        {
          tenantId: principal.tenantId,
          aggregateType: 'connector',
          aggregateId: plane,
          eventType: 'connector.removed',
          actor: principal.actor,
          reason: `${plane} connector configuration and credentials removed`,
          data: { action: 'remove' },
          correlationId,
          dedupeKey: `connector.removed:${plane}:${correlationId}:${Date.now()}`,
        },
        em,
      );
    });
  }
}
