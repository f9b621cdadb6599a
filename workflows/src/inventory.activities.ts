import { heartbeat } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { isPermanentDomainError } from '@eucora/core';
import type { InventoryDevice, PlaneInventory } from '@eucora/connectors';

/** Where synced devices go; `DeviceRepository` of @eucora/persistence implements it. */
export interface InventoryStore {
  upsertMany(tenantId: string, plane: string, devices: readonly InventoryDevice[], syncedAt: string): Promise<number>;
  replaceGroups(
    tenantId: string,
    plane: string,
    memberships: readonly { deviceKey: string; groups: string[]; directoryId?: string | null }[],
    syncedAt: string,
  ): Promise<number>;
  markStale(tenantId: string, plane: string, seenBefore: string): Promise<number>;
  counts(tenantId: string, plane: string): Promise<{ total: number; stale: number; byPlatform: Record<string, number> }>;
}

/** Resolves the inventory reader of a tenant's plane (its connector's client, breaker and credentials). */
export interface InventoryRegistry {
  inventory(tenantId: string, plane: string): Promise<PlaneInventory>;
}

/** What the sync workflow needs to know about a plane's inventory API. */
export interface InventoryCapabilities {
  incremental: boolean;
  groupsInline: boolean;
}

/** One page of a sync. `since` is ignored by planes that cannot filter on a change time (then the read is full). */
export interface InventoryPageInput {
  tenantId: string;
  plane: string;
  cursor: string | null;
  since?: string;
  /** Start of this sync run; every device the run sees is stamped with it (stale marking compares against it). */
  syncedAt: string;
}

/** What one page did: how many devices it wrote and the HTTP requests it made. */
export interface InventoryPageResult {
  cursor: string | null;
  devices: number;
  requests: number;
}

async function permanentToNonRetryable<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (isPermanentDomainError(err)) throw ApplicationFailure.nonRetryable(err.message, err.kind);
    throw err;
  }
}

const stripRef = (d: InventoryDevice): InventoryDevice => {
  const { ref: _ref, ...rest } = d;
  return rest;
};

/** Builds the inventory-sync activities from their dependencies. */
export function createInventoryActivities(store: InventoryStore, registry: InventoryRegistry) {
  return {
    async inventoryCapabilities(input: { tenantId: string; plane: string }): Promise<InventoryCapabilities> {
      return permanentToNonRetryable(async () => {
        const inv = await registry.inventory(input.tenantId, input.plane);
        return { incremental: inv.incremental, groupsInline: inv.groupsInline };
      });
    },

    /**
     * Reads one page and writes it. An incremental page of a plane without inline groups also reads the groups of its
     * devices, so a changed device never loses its memberships. A retry re-reads the same cursor (idempotent upsert).
     */
    async syncInventoryPage(input: InventoryPageInput): Promise<InventoryPageResult> {
      return permanentToNonRetryable(async () => {
        const inv = await registry.inventory(input.tenantId, input.plane);
        const before = inv.requests;
        const page = await inv.readPage(input.cursor, inv.incremental ? input.since : undefined);
        let devices = page.devices;
        if (input.since && inv.incremental && !inv.groupsInline && devices.length > 0) {
          const m = await inv.memberships(devices);
          devices = devices.map((d) => ({
            ...d,
            groups: m.get(d.deviceKey)?.groups ?? [],
            ...(m.get(d.deviceKey)?.directoryId !== undefined ? { directoryId: m.get(d.deviceKey)!.directoryId } : {}),
          }));
        }
        await store.upsertMany(input.tenantId, input.plane, devices.map(stripRef), input.syncedAt);
        return { cursor: page.cursor, devices: devices.length, requests: inv.requests - before };
      });
    },

    /** Full membership read of a plane whose pages carry no groups; heartbeats while it runs. */
    async syncInventoryMemberships(input: {
      tenantId: string;
      plane: string;
      syncedAt: string;
    }): Promise<{ devices: number; changed: number; requests: number }> {
      return permanentToNonRetryable(async () => {
        const inv = await registry.inventory(input.tenantId, input.plane);
        const before = inv.requests;
        const beat = setInterval(() => heartbeat({ requests: inv.requests - before }), 5000);
        try {
          const m = await inv.memberships();
          const entries = [...m].map(([deviceKey, v]) => ({
            deviceKey,
            groups: v.groups,
            ...(v.directoryId !== undefined ? { directoryId: v.directoryId } : {}),
          }));
          const changed = await store.replaceGroups(input.tenantId, input.plane, entries, input.syncedAt);
          return { devices: entries.length, changed, requests: inv.requests - before };
        } finally {
          clearInterval(beat);
        }
      });
    },

    /** Marks devices no sync has seen since `seenBefore` as stale (never deletes); returns how many and the new counts. */
    async markInventoryStale(input: {
      tenantId: string;
      plane: string;
      seenBefore: string;
    }): Promise<{ marked: number; counts: { total: number; stale: number; byPlatform: Record<string, number> } }> {
      const marked = await store.markStale(input.tenantId, input.plane, input.seenBefore);
      return { marked, counts: await store.counts(input.tenantId, input.plane) };
    },
  };
}

export type InventoryActivities = ReturnType<typeof createInventoryActivities>;
