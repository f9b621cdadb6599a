import { z } from 'zod';
import type { DataSource } from 'typeorm';
import { InputError, inputErrorFromZod, NotFoundError, UpstreamUnavailableError, PLANES, type Principal } from '@eucora/core';
import { ConnectorConfigRepository, EventRepository, type ConnectorConfigRow } from '@eucora/persistence';
import { assertOutboundUrlAllowed, outboundPolicyFrom, type OutboundPolicy, type SecretBox } from '@eucora/runtime';

const str = z.string().min(1).max(500);
const secret = z.string().min(1).max(4000);
const config = <S extends z.ZodRawShape, C extends z.ZodRawShape>(settings: S, credentials: C) =>
  z.object({ baseUrl: z.string().url(), authUrl: z.string().url().optional(), settings: z.object(settings).strict(), credentials: z.object(credentials).strict() }).strict();

/** What each plane needs (vendor-contracts.md); credentials are the secret half. */
export const CONNECTOR_CONFIG_SCHEMAS = {
  intune: config({ tenantId: str, clientId: str }, { clientSecret: secret }),
  jamf: config({ clientId: str }, { clientSecret: secret }),
  sccm: config({ username: str, contentLocation: z.string().regex(/^\\\\[^\\]+\\.+/, 'a UNC path').max(500).optional() }, { password: secret }),
  landscape: config({ accessKey: str }, { secretKey: secret }),
  awx: config({ username: str, deployTemplate: str.optional(), rollbackTemplate: str.optional(), organizationId: z.string().regex(/^[1-9]\d{0,9}$/).optional(), inventoryId: z.string().regex(/^[1-9]\d{0,9}$/).optional() }, { password: secret }),
} as const;

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

const view = (r: ConnectorConfigRow): ConnectorConfigView => ({ plane: r.plane, baseUrl: r.baseUrl, authUrl: r.authUrl, settings: r.settings, credentialsSet: true, updatedBy: r.updatedBy, updatedAt: r.updatedAt });

/** Per-tenant connector configuration; credentials are sealed with AES-256-GCM before they reach the database. */
export class ConnectorConfigService {
  private readonly repo: ConnectorConfigRepository;
  private readonly events: EventRepository;

  /** `outbound`: the operator's outbound-URL policy that `baseUrl`/`authUrl` must pass; default https to public hosts only. */
  constructor(private readonly ds: DataSource, private readonly box: SecretBox | null, private readonly outbound: OutboundPolicy = outboundPolicyFrom()) {
    this.repo = new ConnectorConfigRepository(ds);
    this.events = new EventRepository(ds);
  }

  private plane(plane: string): string {
    if (!(PLANES as readonly string[]).includes(plane)) throw new InputError('Unknown plane', [{ path: 'plane', message: `must be one of ${PLANES.join(', ')}` }]);
    return plane;
  }

  async put(principal: Principal, plane: string, body: unknown, correlationId: string): Promise<ConnectorConfigView> {
    this.plane(plane);
    if (!this.box) throw new UpstreamUnavailableError('CONNECTOR_SECRET_KEY is not configured on the API', 'secret-key');
    const parsed = CONNECTOR_CONFIG_SCHEMAS[plane as keyof typeof CONNECTOR_CONFIG_SCHEMAS].safeParse(body);
    if (!parsed.success) throw inputErrorFromZod(parsed.error, `${plane} connector configuration`);
    const c = parsed.data;
    // Checked at save time for a clear 400 and again by the worker at every connect (DNS may change in between).
    await assertOutboundUrlAllowed(c.baseUrl, this.outbound, 'baseUrl');
    if (c.authUrl) await assertOutboundUrlAllowed(c.authUrl, this.outbound, 'authUrl');
    const row = await this.repo.upsert({
      tenantId: principal.tenantId,
      plane,
      baseUrl: c.baseUrl,
      authUrl: c.authUrl ?? null,
      settings: c.settings as Record<string, string>,
      credentialsSealed: this.box.seal(JSON.stringify(c.credentials), `${principal.tenantId}:${plane}`),
      updatedBy: principal.actor,
    });
    await this.events.append({
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
    return { items: (await this.repo.list(principal.tenantId)).map(view) };
  }

  async get(principal: Principal, plane: string): Promise<ConnectorConfigView> {
    const row = await this.repo.find(principal.tenantId, plane);
    if (!row) throw new NotFoundError(`No ${plane} connector configured`);
    return view(row);
  }

  async remove(principal: Principal, plane: string, correlationId: string): Promise<void> {
    this.plane(plane);
    // One transaction: the configuration never disappears without its audit event.
    await this.ds.transaction(async (em) => {
      if (!(await this.repo.remove(principal.tenantId, plane, em))) throw new NotFoundError(`No ${plane} connector configured`);
      await this.events.append({
      tenantId: principal.tenantId,
      aggregateType: 'connector',
      aggregateId: plane,
      eventType: 'connector.removed',
      actor: principal.actor,
      reason: `${plane} connector configuration and credentials removed`,
      data: { action: 'remove' },
      correlationId,
      dedupeKey: `connector.removed:${plane}:${correlationId}:${Date.now()}`,
      }, em);
    });
  }
}
