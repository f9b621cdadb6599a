import { definePlane, configField } from '../plane-module';
import { IntuneConnector } from './intune.connector';
import { IntuneInventory } from './intune.inventory';

const { str, secret } = configField;

/** Intune through Microsoft Graph (vendor-contracts.md §1): client-credential app of the tenant's Entra directory. */
export const INTUNE_PLANE = definePlane({
  name: 'intune',
  settings: { tenantId: str, clientId: str },
  credentials: { clientSecret: secret },
  connector: (e, caller) =>
    new IntuneConnector({
      graphUrl: e.baseUrl,
      authorityUrl: e.authUrl ?? e.baseUrl,
      tenantId: e.settings.tenantId ?? 'common',
      clientId: e.settings.clientId ?? '',
      clientSecret: e.credentials.clientSecret ?? '',
      caller,
      check: e.check,
    }),
  owns: (c): c is IntuneConnector => c instanceof IntuneConnector,
  inventory: (c, s) => new IntuneInventory(c.client, { pageSize: s.pageSize }),
});
