import { NotFoundError, type ServiceConfig } from '@eucora/core';
import { IntuneConnector, type PlaneConnector } from '@eucora/connectors';
import type { ConnectorRegistry } from '@eucora/workflows';

/**
 * Connectors configured from the process environment (one set for all tenants). Per-tenant connector configuration through
 * the API replaces this with the connectors issue; the interface stays.
 */
export class EnvConnectorRegistry implements ConnectorRegistry {
  private intune: IntuneConnector | undefined;

  constructor(private readonly config: ServiceConfig) {}

  async get(_tenantId: string, plane: string): Promise<PlaneConnector> {
    if (plane === 'intune' && this.config.INTUNE_GRAPH_URL && this.config.INTUNE_CLIENT_ID && this.config.INTUNE_CLIENT_SECRET) {
      this.intune ??= new IntuneConnector({
        graphUrl: this.config.INTUNE_GRAPH_URL,
        authorityUrl: this.config.INTUNE_AUTHORITY_URL ?? this.config.INTUNE_GRAPH_URL,
        tenantId: this.config.INTUNE_TENANT_ID,
        clientId: this.config.INTUNE_CLIENT_ID,
        clientSecret: this.config.INTUNE_CLIENT_SECRET,
      });
      return this.intune;
    }
    throw new NotFoundError(`No connector is configured for plane "${plane}"`);
  }
}
