import { Router } from 'express';
import { parsePlane, planeModule } from '@eucora/connectors';
import { authenticate, principalOf, requirePermission } from '../http/auth';
import type { ConnectorConfigService } from '../services/connector-config.service';
import type { TokenService } from '../services/token.service';

/** `/api/v1/connectors`: per-tenant plane configuration (admin). Credentials go in, never come out. */
export function connectorsRouter(tokens: TokenService, configs: ConnectorConfigService): Router {
  const r = Router();
  r.use('/connectors', authenticate(tokens), requirePermission('connectors:manage'));
  r.get('/connectors', async (_req, res) => void res.json(await configs.list(principalOf(res))));
  r.get('/connectors/:plane', async (req, res) => void res.json(await configs.get(principalOf(res), String(req.params.plane))));
  r.put('/connectors/:plane', async (req, res) => {
    const plane = parsePlane(String(req.params.plane));
    // A missing secret key is reported before the body is judged (nothing could be stored either way).
    configs.assertCanSeal();
    const config = planeModule(plane).parseConfig(req.body);
    res.json(await configs.put(principalOf(res), plane, config, res.locals.correlationId));
  });
  r.delete('/connectors/:plane', async (req, res) => {
    await configs.remove(principalOf(res), parsePlane(String(req.params.plane)), res.locals.correlationId);
    res.status(204).end();
  });
  return r;
}
