import { Router } from 'express';
import { authenticate, principalOf, requirePermission } from '../http/auth';
import type { TokenService } from '../services/token.service';
import { issueTokenRequest, tokenIdParam } from './admin-tokens.request';

/** `/api/v1/admin/tokens`: issue, list, disable and rotate the caller's tenant's tokens (admin only). */
export function adminTokensRouter(tokens: TokenService): Router {
  const r = Router();
  r.use('/admin/tokens', authenticate(tokens), requirePermission('tokens:manage'));
  r.post('/admin/tokens', async (req, res) => {
    const p = principalOf(res);
    const input = issueTokenRequest(req);
    const issued = await tokens.issue(p.tenantId, input, { name: p.actor, tokenId: p.tokenId, correlationId: res.locals.correlationId });
    res.status(201).setHeader('Cache-Control', 'no-store').json(issued);
  });
  r.get('/admin/tokens', async (_req, res) => {
    res.json({ items: await tokens.list(principalOf(res).tenantId) });
  });
  r.post('/admin/tokens/:id/disable', async (req, res) => {
    const p = principalOf(res);
    res.json(await tokens.disable(p.tenantId, tokenIdParam(req), { name: p.actor, correlationId: res.locals.correlationId }));
  });
  r.post('/admin/tokens/:id/rotate', async (req, res) => {
    const p = principalOf(res);
    const id = tokenIdParam(req);
    const issued = await tokens.rotate(p.tenantId, id, { name: p.actor, tokenId: p.tokenId, correlationId: res.locals.correlationId });
    res.status(201).setHeader('Cache-Control', 'no-store').json(issued);
  });
  return r;
}
