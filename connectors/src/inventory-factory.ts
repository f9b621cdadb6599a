import { InputError } from '@eucora/core';
import type { PlaneConnector } from './connector';
import { AwxConnector } from './awx/awx.connector';
import { IntuneConnector } from './intune/intune.connector';
import { JamfConnector } from './jamf/jamf.connector';
import { LandscapeConnector } from './landscape/landscape.connector';
import { SccmConnector } from './sccm/sccm.connector';
import { AwxInventory } from './awx/awx.inventory';
import { IntuneInventory } from './intune/intune.inventory';
import { JamfInventory } from './jamf/jamf.inventory';
import { LandscapeInventory } from './landscape/landscape.inventory';
import type { PlaneInventory } from './plane-inventory';
import { SccmInventory } from './sccm/sccm.inventory';

/** Per-plane settings of the inventory readers (connector settings `inventoryId`, `inventoryPageSize`, `jamfInventoryApi`). */
export interface InventorySettings {
  awxInventoryId?: number;
  pageSize?: number;
  jamfApiVersion?: 'v1' | 'v3' | 'v4';
}

/**
 * The inventory reader of a connector: it speaks through that connector's authenticated client (same token cache, same
 * breaker and retry policy), so a plane's inventory reads and deployments share one resilience budget.
 */
export function inventoryFor(connector: PlaneConnector, settings: InventorySettings = {}): PlaneInventory {
  if (connector instanceof IntuneConnector) return new IntuneInventory(connector.client, { pageSize: settings.pageSize });
  if (connector instanceof JamfConnector) return new JamfInventory(
    connector,
    { pageSize: settings.pageSize, apiVersion: settings.jamfApiVersion },
  );
  if (connector instanceof SccmConnector) return new SccmInventory(connector);
  if (connector instanceof LandscapeConnector) return new LandscapeInventory(connector, { pageSize: settings.pageSize });
  if (connector instanceof AwxConnector) return new AwxInventory(
    connector,
    { inventoryId: settings.awxInventoryId, pageSize: settings.pageSize },
  );
  throw new InputError(`No inventory reader for plane "${connector.plane}"`);
}
