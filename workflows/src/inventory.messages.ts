import { defineQuery } from '@temporalio/workflow';

/** Settings of a tenant's inventory sync (config INVENTORY_*; docs/fleet.md). */
export interface InventorySyncSettings {
  /** Pause between two sync runs, ms. */
  intervalMs: number;
  /** Every Nth run is a full sync (1 = always full); planes without an incremental filter always sync fully. */
  fullSyncEvery: number;
  /** A device no sync has seen for this long is marked stale at the next full sync, ms. */
  staleAfterMs: number;
  /** Pages per workflow execution before continue-as-new (bounds the history); default 200. */
  pagesPerExecution?: number;
}

/** Input of `inventorySyncWorkflow`; a fresh start has only tenant, plane and settings. */
export interface InventorySyncInput {
  tenantId: string;
  plane: string;
  settings: InventorySyncSettings;
  /** Run number, from 0; run 0 is always full. */
  run?: number;
  /** High-water mark of the previous run (its start, less an overlap), for incremental reads. */
  since?: string | null;
  /** Runs left before the workflow completes (tests and benchmarks); absent = run forever. */
  runsLeft?: number;
  /** A run in progress carried across continue-as-new. */
  resume?: { cursor: string | null; syncedAt: string; full: boolean; devices: number; requests: number; pages: number };
  /** The previous run's outcome, kept across continue-as-new for `inventoryLastRunQuery`. */
  lastRun?: InventorySyncRun | null;
}

/** Outcome of one sync run. */
export interface InventorySyncRun {
  run: number;
  full: boolean;
  syncedAt: string;
  pages: number;
  devices: number;
  /** HTTP requests made to the plane by this run (pages, memberships). */
  requests: number;
  markedStale: number;
  counts: { total: number; stale: number; byPlatform: Record<string, number> } | null;
  /** `since` the next run will use. */
  nextSince: string;
}

/** The last finished run, for operators (`temporal workflow query`). */
export const inventoryLastRunQuery = defineQuery<InventorySyncRun | null>('inventoryLastRun');

/** The workflow id of a tenant's plane sync: one per tenant and plane, so starting it twice is a no-op. */
export const inventoryWorkflowId = (tenantId: string, plane: string): string => `inventory-${tenantId}-${plane}`;
