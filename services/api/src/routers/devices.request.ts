import type { Request } from 'express';
import { z } from 'zod';
import { InputError, PLANES } from '@eucora/core';
import { parseOr400, uuidParam } from '../http/request';
import type { DeviceCursor, DeviceListQuery, IntentDeviceCursor, IntentDeviceListQuery } from '../services/device.service';

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

const badCursor = () => new InputError('Invalid cursor', [{ path: 'cursor', message: 'must be the nextCursor of a previous page' }]);

function decodeJsonPair(cursor: string): unknown {
  try {
    return JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
}

// Cursors are opaque to clients: base64url JSON of the last row's keyset, (plane, deviceKey) or (ring, deviceKey).
/** The `nextCursor` a client sends back for the device page after `c`. */
export const encodeDeviceCursor = (c: DeviceCursor): string => Buffer.from(JSON.stringify([c.plane, c.deviceKey])).toString('base64url');
/** The `nextCursor` a client sends back for the intent-device page after `c`. */
export const encodeIntentDeviceCursor = (c: IntentDeviceCursor): string =>
  Buffer.from(JSON.stringify([c.ring, c.deviceKey])).toString('base64url');

function decodeDeviceCursor(cursor: string): DeviceCursor {
  const v = decodeJsonPair(cursor);
  if (Array.isArray(v) && v.length === 2 && typeof v[0] === 'string' && typeof v[1] === 'string') return { plane: v[0], deviceKey: v[1] };
  throw badCursor();
}

function decodeIntentDeviceCursor(cursor: string): IntentDeviceCursor {
  const v = decodeJsonPair(cursor);
  const ringOk = Array.isArray(v) && v.length === 2 && Number.isInteger(v[0]) && v[0] >= 0 && v[0] <= 99;
  if (ringOk && typeof v[1] === 'string' && v[1].length <= 256) return { ring: v[0] as number, deviceKey: v[1] };
  throw badCursor();
}

/** Filters and page of `GET /api/v1/devices`. */
export function listDevicesRequest(req: Request): DeviceListQuery {
  const f = parseOr400(listDevicesQuerySchema, req.query, 'query');
  return {
    plane: f.plane,
    group: f.group,
    platform: f.platform,
    includeStale: f.includeStale === 'true',
    after: f.cursor ? decodeDeviceCursor(f.cursor) : undefined,
    limit: f.limit,
  };
}

/** Intent id (checked first), then filters and page of `GET /api/v1/deployment-intents/:id/devices`. */
export function listIntentDevicesRequest(req: Request): { intentId: string; query: IntentDeviceListQuery } {
  const intentId = uuidParam(req.params.id, 'intent');
  const f = parseOr400(listIntentDevicesQuerySchema, req.query, 'query');
  const after = f.cursor ? decodeIntentDeviceCursor(f.cursor) : undefined;
  return { intentId, query: { ring: f.ring, state: f.state, after, limit: f.limit } };
}
