import { z } from 'zod';
import type { DataSource } from 'typeorm';
import { InputError, inputErrorFromZod, PLANES, type Principal } from '@eucora/core';
import { DeviceRepository, type DeviceRow } from '@eucora/persistence';

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

  constructor(ds: DataSource) {
    this.devices = new DeviceRepository(ds);
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
