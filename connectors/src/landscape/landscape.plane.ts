import { definePlane, configField } from '../plane-module';
import { LandscapeConnector } from './landscape.connector';
import { LandscapeInventory } from './landscape.inventory';

const { str, secret } = configField;

/** Canonical Landscape legacy API (vendor-contracts.md §4): an API key pair. */
export const LANDSCAPE_PLANE = definePlane({
  name: 'landscape',
  settings: { accessKey: str },
  credentials: { secretKey: secret },
  connector: (e, caller) =>
    new LandscapeConnector({
      baseUrl: e.baseUrl,
      accessKey: e.settings.accessKey ?? '',
      secretKey: e.credentials.secretKey ?? '',
      caller,
      check: e.check,
    }),
  owns: (c): c is LandscapeConnector => c instanceof LandscapeConnector,
  inventory: (c, s) => new LandscapeInventory(c, { pageSize: s.pageSize }),
});
