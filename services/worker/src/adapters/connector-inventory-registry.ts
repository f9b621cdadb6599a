import { inventoryFor, type PlaneConnector, type PlaneInventory } from '@eucora/connectors';
import type { ConnectorRegistry, InventoryRegistry } from '@eucora/workflows';

/**
 * Inventory readers built on the tenant's connectors: a reader shares its connector's client (token, breaker, retry), and
 * is rebuilt when the registry hands out a new connector (configuration changed).
 */
export class ConnectorInventoryRegistry implements InventoryRegistry {
  private readonly readers = new WeakMap<PlaneConnector, PlaneInventory>();

  constructor(private readonly connectors: ConnectorRegistry) {}

  async inventory(tenantId: string, plane: string): Promise<PlaneInventory> {
    const connector = await this.connectors.get(tenantId, plane);
    let reader = this.readers.get(connector);
    if (!reader) {
      reader = inventoryFor(connector);
      this.readers.set(connector, reader);
    }
    return reader;
  }
}
