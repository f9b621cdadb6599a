import { Client, Connection } from '@temporalio/client';
import type { DataSource } from 'typeorm';
import type { Logger } from 'pino';
import type { ServiceConfig } from '@eucora/core';
import { ConnectorConfigRepository } from '@eucora/persistence';
import { inventoryWorkflowId, WORKFLOW_TYPES, type InventorySyncInput, type InventorySyncSettings } from '@eucora/workflows';

/** Inventory sync settings from config (INVENTORY_*). */
export function inventorySettings(config: ServiceConfig): InventorySyncSettings {
  return {
    intervalMs: config.INVENTORY_SYNC_INTERVAL_MS,
    fullSyncEvery: config.INVENTORY_FULL_SYNC_EVERY,
    staleAfterMs: config.INVENTORY_STALE_AFTER_MS,
  };
}

/** What `ensureInventorySyncs` needs; `taskQueue` defaults to `config.TEMPORAL_TASK_QUEUE`. */
export interface EnsureInventorySyncsOptions {
  client: Client;
  ds: DataSource;
  config: ServiceConfig;
  taskQueue?: string;
  logger?: Logger;
}

/**
 * Starts the inventory sync of every tenant's configured plane (and of the process-wide Intune), once: the workflow id
 * `inventory-<tenant>-<plane>` and the USE_EXISTING conflict policy make a second start (another worker, a restart) a
 * no-op. Returns the ids it ensured.
 */
export async function ensureInventorySyncs(opts: EnsureInventorySyncsOptions): Promise<string[]> {
  // The process-wide Intune (INTUNE_*, the demo simulator) serves every tenant without its own Intune configuration.
  const c = opts.config;
  const processWide = c.INTUNE_GRAPH_URL && c.INTUNE_CLIENT_ID && c.INTUNE_CLIENT_SECRET ? ['intune'] : [];
  const planes = await new ConnectorConfigRepository(opts.ds).configuredPlanes(processWide);
  const ids: string[] = [];
  for (const { tenantId, plane } of planes) {
    const workflowId = inventoryWorkflowId(tenantId, plane);
    const input: InventorySyncInput = { tenantId, plane, settings: inventorySettings(opts.config) };
    try {
      await opts.client.workflow.start(WORKFLOW_TYPES.inventorySync, {
        workflowId,
        taskQueue: opts.taskQueue ?? opts.config.TEMPORAL_TASK_QUEUE,
        args: [input],
        workflowIdConflictPolicy: 'USE_EXISTING',
      });
      ids.push(workflowId);
    } catch (err) {
      // One tenant's failure must not keep the others from syncing.
      opts.logger?.warn({ tenant_id: tenantId, plane, err: (err as Error).message }, 'could not start the inventory sync');
    }
  }
  opts.logger?.info({ syncs: ids.length }, 'inventory syncs ensured');
  return ids;
}

/** Ensures the inventory syncs now and every `everyMs` (default 5 min), so a newly configured plane starts syncing. */
export async function startInventoryScheduler(opts: {
  config: ServiceConfig;
  ds: DataSource;
  logger?: Logger;
  everyMs?: number;
}): Promise<{ stop(): Promise<void> }> {
  const connection = await Connection.connect({ address: opts.config.TEMPORAL_ADDRESS, tls: opts.config.TEMPORAL_TLS ? {} : undefined });
  const client = new Client({ connection, namespace: opts.config.TEMPORAL_NAMESPACE });
  const tick = () =>
    ensureInventorySyncs({
      client,
      ds: opts.ds,
      config: opts.config,
      logger: opts.logger,
    }).catch((err: Error) => opts.logger?.warn({ err: err.message }, 'inventory scheduler failed'));
  await tick();
  const timer = setInterval(() => void tick(), opts.everyMs ?? 300_000);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await connection.close();
    },
  };
}
