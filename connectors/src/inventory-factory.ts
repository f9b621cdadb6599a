import { InputError } from '@eucora/core';
import type { PlaneConnector } from './connector';
import type { InventorySettings } from './plane-module';
import type { PlaneInventory } from './plane-inventory';
import { isPlane, PLANE_MODULES } from './planes';

/**
 * The inventory reader of a connector: it speaks through that connector's authenticated client (same token cache, same
 * breaker and retry policy), so a plane's inventory reads and deployments share one resilience budget.
 */
export function inventoryFor(connector: PlaneConnector, settings: InventorySettings = {}): PlaneInventory {
  if (!isPlane(connector.plane)) throw new InputError(`No inventory reader for plane "${connector.plane}"`);
  return PLANE_MODULES[connector.plane].inventory(connector, settings);
}
