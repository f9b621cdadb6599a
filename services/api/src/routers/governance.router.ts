import { Router } from 'express';
import { authenticate, principalOf, requirePermission } from '../http/auth';
import type { AuditService } from '../services/audit.service';
import { parseAuditEventsQuery, parseAuditVerifyQuery } from './audit-query';
import type { CabService } from '../services/cab.service';
import type { ExceptionService } from '../services/exception.service';
import type { TokenService } from '../services/token.service';

/** `/api/v1/cab/items`, `/api/v1/exceptions` and `/api/v1/audit`. */
export function governanceRouter(tokens: TokenService, cab: CabService, exceptions: ExceptionService, audit: AuditService): Router {
  const r = Router();
  r.use(['/cab', '/exceptions', '/audit'], authenticate(tokens));

  r.get('/cab/items', requirePermission('cab:read'), async (req, res) =>
    void res.json(await cab.list(principalOf(res), req.query as Record<string, unknown>)),
  );
  r.get('/cab/items/:id', requirePermission('cab:read'), async (req, res) => void res.json(await cab.get(principalOf(res), String(req.params.id))));
  r.post('/cab/items/:id/approve', requirePermission('cab:decide'), async (req, res) => void res.json(await cab.decide(principalOf(res), String(req.params.id), 'approve', req.body)));
  r.post('/cab/items/:id/reject', requirePermission('cab:decide'), async (req, res) => void res.json(await cab.decide(principalOf(res), String(req.params.id), 'reject', req.body)));

  r.post('/exceptions', requirePermission('exceptions:create'), async (req, res) => {
    const row = await exceptions.create(principalOf(res), req.body, res.locals.correlationId);
    res.status(201).location(`/api/v1/exceptions/${row.id}`).json(row);
  });
  r.get('/exceptions', requirePermission('exceptions:read'), async (req, res) => void res.json(await exceptions.list(principalOf(res), req.query as Record<string, unknown>)));
  r.get('/exceptions/:id', requirePermission('exceptions:read'), async (req, res) => void res.json(await exceptions.get(principalOf(res), String(req.params.id))));
  r.post('/exceptions/:id/approve', requirePermission('exceptions:approve'), async (req, res) =>
    void res.json(await exceptions.decide(principalOf(res), String(req.params.id), 'approved', req.body, res.locals.correlationId)),
  );
  r.post('/exceptions/:id/reject', requirePermission('exceptions:approve'), async (req, res) =>
    void res.json(await exceptions.decide(principalOf(res), String(req.params.id), 'rejected', req.body, res.locals.correlationId)),
  );

  r.get('/audit/events', requirePermission('audit:read'), async (req, res) => {
    res.json(await audit.query(principalOf(res), parseAuditEventsQuery(req.query)));
  });
  r.get('/audit/verify', requirePermission('audit:read'), async (req, res) => {
    res.json(await audit.verify(principalOf(res), parseAuditVerifyQuery(req.query)));
  });
  return r;
}
