import { Router } from 'express';
import { authenticate, principalOf, requirePermission } from '../http/auth';
import type { TokenService } from '../services/token.service';
import type { IntentService } from '../services/intent.service';

/** `/api/v1/deployment-intents`. */
export function intentsRouter(tokens: TokenService, intents: IntentService): Router {
  const r = Router();
  r.use('/deployment-intents', authenticate(tokens));
  r.post('/deployment-intents', requirePermission('intents:create'), async (req, res) => {
    const { intent, replayed } = await intents.create(principalOf(res), req.body, req.header('idempotency-key'), res.locals.correlationId);
    if (replayed) res.setHeader('Idempotent-Replayed', 'true');
    res.status(201).location(`/api/v1/deployment-intents/${intent.id}`).json(intent);
  });
  r.get('/deployment-intents', requirePermission('intents:read'), async (req, res) => {
    res.json(await intents.list(principalOf(res), req.query as Record<string, unknown>));
  });
  r.get('/deployment-intents/:id/events', requirePermission('intents:read'), async (req, res) => {
    res.json(await intents.timelineOf(principalOf(res), String(req.params.id)));
  });
  for (const kind of ['cancel', 'rollback'] as const) {
    r.post(`/deployment-intents/:id/${kind}`, requirePermission('intents:cancel'), async (req, res) => {
      const intent = await intents.signal(principalOf(res), String(req.params.id), kind, req.body, res.locals.correlationId);
      res.status(202).json({ id: intent.id, state: intent.state, requested: kind });
    });
  }
  r.get('/deployment-intents/:id', requirePermission('intents:read'), async (req, res) => {
    res.json(await intents.get(principalOf(res), String(req.params.id)));
  });
  return r;
}
