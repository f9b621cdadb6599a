import { definePlane, configField } from '../plane-module';
import { JamfConnector } from './jamf.connector';
import { JamfInventory } from './jamf.inventory';

const { str, secret } = configField;

/** Jamf Pro (vendor-contracts.md §2): OAuth API client. */
export const JAMF_PLANE = definePlane({
  name: 'jamf',
  settings: { clientId: str },
  credentials: { clientSecret: secret },
  connector: (e, caller) =>
    new JamfConnector({
      baseUrl: e.baseUrl,
      clientId: e.settings.clientId ?? '',
      clientSecret: e.credentials.clientSecret ?? '',
      caller,
      check: e.check,
    }),
  owns: (c): c is JamfConnector => c instanceof JamfConnector,
  inventory: (c, s) => new JamfInventory(c, { pageSize: s.pageSize, apiVersion: s.jamfApiVersion }),
});
