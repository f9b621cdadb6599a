import { z } from 'zod';
import { definePlane, configField } from '../plane-module';
import { AwxConnector } from './awx.connector';
import { AwxInventory } from './awx.inventory';

const { str, secret } = configField;
const id = z
  .string()
  .regex(/^[1-9]\d{0,9}$/)
  .optional();

/** AWX/Tower (vendor-contracts.md §5): a user; optionally templates, organization and inventory other than the defaults. */
export const AWX_PLANE = definePlane({
  name: 'awx',
  settings: { username: str, deployTemplate: str.optional(), rollbackTemplate: str.optional(), organizationId: id, inventoryId: id },
  credentials: { password: secret },
  connector: (e, caller) => {
    const s = e.settings;
    return new AwxConnector({
      baseUrl: e.baseUrl,
      username: s.username ?? '',
      password: e.credentials.password ?? '',
      deployTemplate: s.deployTemplate,
      rollbackTemplate: s.rollbackTemplate,
      organizationId: s.organizationId ? Number(s.organizationId) : undefined,
      inventoryId: s.inventoryId ? Number(s.inventoryId) : undefined,
      caller,
      check: e.check,
    });
  },
  owns: (c): c is AwxConnector => c instanceof AwxConnector,
  inventory: (c, s) => new AwxInventory(c, { inventoryId: s.awxInventoryId, pageSize: s.pageSize }),
});
