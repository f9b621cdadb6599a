import { z } from 'zod';
import type { DataSource } from 'typeorm';
import { InputError, inputErrorFromZod, NotFoundError, PLANES, type Principal } from '@eucora/core';
import {
  DeploymentIntentRepository,
  DeviceRepository,
  IntentDeviceStateRepository,
  type DeviceRow,
  type IntentDeviceRow,
} from '@eucora/persistence';

/** Query of `GET /api/v1/devices`. */
export const listDevicesQuerySchema = z
  .object({
    plane: z.enum(PLANES).optional(),
    group: z.string().min(1).max(256).optional(),
    platform: z.enum(['windows', 'macos', 'linux']).optional(),
    includeStale: z.enum(['true', 'false']).optional(),
    cursor: z.string().min(1).max(1024).optional(),
    limit: z.coerce.number().int().min(1).max(1000).default(100),
  })
  .strict();

/** Query of `GET /api/v1/deployment-intents/:id/devices`. */
export const listIntentDevicesQuerySchema = z
  .object({
    ring: z.coerce.number().int().min(0).max(99).optional(),
    state: z.enum(['pending', 'succeeded', 'failed', 'not_applicable', 'removed']).optional(),
    cursor: z.string().min(1).max(1024).optional(),
    limit: z.coerce.number().int().min(1).max(1000).default(100),
  })
  .strict();

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

// Intent-device cursor: the (ring, deviceKey) of the last row of the previous page, opaque to clients.
const encodeRingCursor = (c: { ring: number; deviceKey: string }) =>
  Buffer.from(JSON.stringify([c.ring, c.deviceKey])).toString('base64url');
function decodeRingCursor(cursor: string): { ring: number; deviceKey: string } {
  try {
    const v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    const ringOk = Array.isArray(v) && v.length === 2 && Number.isInteger(v[0]) && v[0] >= 0 && v[0] <= 99;
    if (ringOk && typeof v[1] === 'string' && v[1].length <= 256) {
      return { ring: v[0] as number, deviceKey: v[1] };
    }
  } catch {
    // fall through to the input error
  }
  throw new InputError('Invalid cursor', [{ path: 'cursor', message: 'must be the nextCursor of a previous page' }]);
}

/** A device as the API shows it. */
export type DeviceView = Omit<DeviceRow, 'tenantId'>;

// The cursor is opaque to clients: the (plane, deviceKey) of the last device of the previous page.
const encodeCursor = (c: { plane: string; deviceKey: string }) => Buffer.from(JSON.stringify([c.plane, c.deviceKey])).toString('base64url');
function decodeCursor(cursor: string): { plane: string; deviceKey: string } {
  try {
    const v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(v) && v.length === 2 && typeof v[0] === 'string' && typeof v[1] === 'string') return { plane: v[0], deviceKey: v[1] };
  } catch {
    // fall through to the input error
  }
  throw new InputError('Invalid cursor', [{ path: 'cursor', message: 'must be the nextCursor of a previous page' }]);
}

/** The tenant's device inventory (filled by the inventory syncs, docs/fleet.md), read-only over the API. */
export class DeviceService {
  private readonly devices: DeviceRepository;

  private readonly intentDeviceStates: IntentDeviceStateRepository;
  private readonly intents: DeploymentIntentRepository;

  constructor(ds: DataSource) {
    this.devices = new DeviceRepository(ds);
    this.intentDeviceStates = new IntentDeviceStateRepository(ds);
    this.intents = new DeploymentIntentRepository(ds);
  }

  /**
   * One keyset page of an intent's ring devices with their per-device state and error (ordered by ring, device key);
   * `NotFoundError` for unknown ids and other tenants' intents alike.
   */
  async intentDevices(
    principal: Principal,
    intentId: string,
    q: Record<string, unknown>,
  ): Promise<{ items: IntentDeviceRow[]; nextCursor: string | null }> {
    if (!UUID_RE.test(intentId)) throw new InputError('Invalid intent id', [{ path: 'id', message: 'must be a UUID' }]);
    const parsed = listIntentDevicesQuerySchema.safeParse(q);
    if (!parsed.success) throw inputErrorFromZod(parsed.error, 'query');
    const f = parsed.data;
    const after = f.cursor ? decodeRingCursor(f.cursor) : undefined;
    if (!(await this.intents.findById(principal.tenantId, intentId))) throw new NotFoundError(`Deployment intent ${intentId} not found`);
    const query = { ring: f.ring, state: f.state, after, limit: f.limit + 1 };
    const rows = await this.intentDeviceStates.page(principal.tenantId, intentId, query);
    const items = rows.slice(0, f.limit);
    const last = items.at(-1);
    return { items, nextCursor: rows.length > f.limit && last ? encodeRingCursor({ ring: last.ring, deviceKey: last.deviceKey }) : null };
  }

  /** One keyset page of the caller's devices, ordered by plane and device key. */
  async list(principal: Principal, q: Record<string, unknown>): Promise<{ items: DeviceView[]; nextCursor: string | null }> {
    const parsed = listDevicesQuerySchema.safeParse(q);
    if (!parsed.success) throw inputErrorFromZod(parsed.error, 'query');
    const f = parsed.data;
    const page = await this.devices.list(principal.tenantId, {
      plane: f.plane,
      group: f.group,
      platform: f.platform,
      includeStale: f.includeStale === 'true',
      after: f.cursor ? decodeCursor(f.cursor) : undefined,
      limit: f.limit,
    });
    return { items: page.devices.map(({ tenantId: _t, ...d }) => d), nextCursor: page.next ? encodeCursor(page.next) : null };
  }
}
