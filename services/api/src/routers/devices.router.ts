import { Router } from 'express';
import { authenticate, principalOf, requirePermission, type Authenticator } from '../http/auth';
import type { DeviceService } from '../services/device.service';
import { encodeDeviceCursor, encodeIntentDeviceCursor, listDevicesRequest, listIntentDevicesRequest } from './devices.request';

/**
 * `/api/v1/devices`: the tenant's synced device inventory (filters plane, group, platform; keyset cursor), and
 * `/api/v1/deployment-intents/:id/devices`: an intent's ring devices with their per-device state (filters ring, state).
 */
export function devicesRouter(tokens: Authenticator, devices: Pick<DeviceService, 'list' | 'intentDevices'>): Router {
  const r = Router();
  r.get('/devices', authenticate(tokens), requirePermission('devices:read'), async (req, res) => {
    const { items, next } = await devices.list(principalOf(res), listDevicesRequest(req));
    res.json({ items, nextCursor: next ? encodeDeviceCursor(next) : null });
  });
  r.get('/deployment-intents/:id/devices', authenticate(tokens), requirePermission('intents:read'), async (req, res) => {
    const { intentId, query } = listIntentDevicesRequest(req);
    const { items, next } = await devices.intentDevices(principalOf(res), intentId, query);
    res.json({ items, nextCursor: next ? encodeIntentDeviceCursor(next) : null });
  });
  return r;
}
