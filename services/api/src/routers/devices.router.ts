import { Router } from 'express';
import { authenticate, principalOf, requirePermission } from '../http/auth';
import type { DeviceService } from '../services/device.service';
import type { TokenService } from '../services/token.service';

/**
 * `/api/v1/devices`: the tenant's synced device inventory (filters plane, group, platform; keyset cursor), and
 * `/api/v1/deployment-intents/:id/devices`: an intent's ring devices with their per-device state (filters ring, state).
 */
export function devicesRouter(tokens: TokenService, devices: DeviceService): Router {
  const r = Router();
  r.get(
    '/devices',
    authenticate(tokens),
    requirePermission('devices:read'),
    async (req, res) => void res.json(await devices.list(principalOf(res), req.query as Record<string, unknown>)),
  );
  r.get(
    '/deployment-intents/:id/devices',
    authenticate(tokens),
    requirePermission('intents:read'),
    async (req, res) => {
      res.json(await devices.intentDevices(principalOf(res), String(req.params.id), req.query as Record<string, unknown>));
    },
  );
  return r;
}
