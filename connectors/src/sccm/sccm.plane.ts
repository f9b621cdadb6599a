import { z } from 'zod';
import { definePlane, configField } from '../plane-module';
import { SccmConnector } from './sccm.connector';
import { SccmInventory } from './sccm.inventory';

const { str, secret } = configField;

/** SCCM AdminService (vendor-contracts.md §3): a service account; optionally the UNC content root of created apps. */
export const SCCM_PLANE = definePlane({
  name: 'sccm',
  settings: {
    username: str,
    contentLocation: z
      .string()
      .regex(/^\\\\[^\\]+\\.+/, 'a UNC path')
      .max(500)
      .optional(),
  },
  credentials: { password: secret },
  connector: (e, caller) =>
    new SccmConnector({
      baseUrl: e.baseUrl,
      username: e.settings.username ?? '',
      password: e.credentials.password ?? '',
      contentLocation: e.settings.contentLocation,
      caller,
      check: e.check,
    }),
  owns: (c): c is SccmConnector => c instanceof SccmConnector,
  inventory: (c) => new SccmInventory(c),
});
