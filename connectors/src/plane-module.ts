import { z } from 'zod';
import { InputError, inputErrorFromZod, type Plane } from '@eucora/core';
import type { PlaneConnector } from './connector';
import type { PlaneInventory } from './plane-inventory';
import type { OutboundCheck } from './shared/http-client';
import type { ResilientCaller } from './shared/resilience';

/** A tenant's endpoint configuration of one plane as validated at `PUT /api/v1/connectors/:plane`. */
export interface PlaneEndpointConfig {
  baseUrl: string;
  authUrl?: string;
  /** Non-secret settings (returned by the API). */
  settings: Record<string, string>;
  /** The secret half (sealed before storage, never returned). */
  credentials: Record<string, string>;
}

/** A plane endpoint with decrypted credentials, as a plane's connector factory needs it. */
export interface PlaneEndpoint {
  baseUrl: string;
  authUrl: string | null;
  settings: Record<string, string>;
  credentials: Record<string, string>;
  /** Tenant-supplied URLs are checked at every request; default none (the operator's own endpoint is trusted). */
  check?: OutboundCheck;
}

/** Per-plane settings of the inventory readers (connector settings `inventoryId`, `inventoryPageSize`, `jamfInventoryApi`). */
export interface InventorySettings {
  awxInventoryId?: number;
  pageSize?: number;
  jamfApiVersion?: 'v1' | 'v3' | 'v4';
}

/** Everything EUCORA knows about one plane in one place: its configuration schema, its secrets and its factories. */
export interface PlaneModule {
  readonly name: Plane;
  /** Schema of the tenant's endpoint configuration (vendor-contracts.md); `credentials` is the secret half. */
  readonly configSchema: z.ZodType<PlaneEndpointConfig>;
  /** Names of the `credentials` fields (sealed, never returned). */
  readonly secretFields: readonly string[];
  /** Validates a configuration body; throws an `InputError` naming every offending field (`settings.clientId`, …). */
  parseConfig(body: unknown): PlaneEndpointConfig;
  /** The plane's connector for an endpoint, under the tenant's resilience policy for this plane. */
  connector(endpoint: PlaneEndpoint, caller: ResilientCaller): PlaneConnector;
  /** The inventory reader speaking through `connector`'s client (which must be this plane's connector). */
  inventory(connector: PlaneConnector, settings: InventorySettings): PlaneInventory;
}

const str = z.string().min(1).max(500);
const secret = z.string().min(1).max(4000);

/** Schema pieces the plane modules share: a required setting (1–500 characters) and a secret (1–4000). */
export const configField = { str, secret } as const;

/** Builds a plane module from its schema halves and factories; secret fields are the keys of `credentials`. */
export function definePlane<C extends PlaneConnector, S extends z.ZodRawShape, K extends z.ZodRawShape>(def: {
  name: Plane;
  settings: S;
  credentials: K;
  connector: (endpoint: PlaneEndpoint, caller: ResilientCaller) => C;
  /** Type guard that `connector` is this plane's connector (inventory readers need its concrete client). */
  owns: (connector: PlaneConnector) => connector is C;
  inventory: (connector: C, settings: InventorySettings) => PlaneInventory;
}): PlaneModule {
  const schema = z
    .object({
      baseUrl: z.string().url(),
      authUrl: z.string().url().optional(),
      settings: z.object(def.settings).strict(),
      credentials: z.object(def.credentials).strict(),
    })
    .strict() as unknown as z.ZodType<PlaneEndpointConfig>;
  return {
    name: def.name,
    configSchema: schema,
    secretFields: Object.keys(def.credentials),
    parseConfig(body) {
      const parsed = schema.safeParse(body);
      if (!parsed.success) throw inputErrorFromZod(parsed.error, `${def.name} connector configuration`);
      return parsed.data;
    },
    connector: def.connector,
    inventory(connector, settings) {
      if (!def.owns(connector)) throw new InputError(`No inventory reader for plane "${connector.plane}"`);
      return def.inventory(connector, settings);
    },
  };
}
