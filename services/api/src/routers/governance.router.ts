import { Router } from 'express';
import { authenticate, principalOf, requirePermission } from '../http/auth';
import type { AuditService } from '../services/audit.service';
import { parseAuditEventsQuery, parseAuditVerifyQuery } from './audit-query';
import type { CabService } from '../services/cab.service';
import type { ExceptionService } from '../services/exception.service';
import type { TokenService } from '../services/token.service';
import { cabDecisionRequest, cabItemIdParam, listCabRequest } from './cab.request';
import { createExceptionRequest, exceptionDecisionRequest, exceptionIdParam, listExceptionsRequest } from './exceptions.request';

/** `/api/v1/cab/items`, `/api/v1/exceptions` and `/api/v1/audit`. */
export function governanceRouter(tokens: TokenService, cab: CabService, exceptions: ExceptionService, audit: AuditService): Router {
  const r = Router();
  r.use(['/cab', '/exceptions', '/audit'], authenticate(tokens));

  r.get('/cab/items', requirePermission('cab:read'), async (req, res) => {
    res.json(await cab.list(principalOf(res), listCabRequest(req)));
  });
  r.get('/cab/items/:id', requirePermission('cab:read'), async (req, res) => {
    res.json(await cab.get(principalOf(res), cabItemIdParam(req)));
  });
  for (const kind of ['approve', 'reject'] as const) {
    r.post(`/cab/items/:id/${kind}`, requirePermission('cab:decide'), async (req, res) => {
      const { id, decision } = cabDecisionRequest(req, kind);
      res.json(await cab.decide(principalOf(res), id, kind, decision));
    });
  }

  r.post('/exceptions', requirePermission('exceptions:create'), async (req, res) => {
    const row = await exceptions.create(principalOf(res), createExceptionRequest(req), res.locals.correlationId);
    res.status(201).location(`/api/v1/exceptions/${row.id}`).json(row);
  });
  r.get('/exceptions', requirePermission('exceptions:read'), async (req, res) => {
    res.json(await exceptions.list(principalOf(res), listExceptionsRequest(req)));
  });
  r.get('/exceptions/:id', requirePermission('exceptions:read'), async (req, res) => {
    res.json(await exceptions.get(principalOf(res), exceptionIdParam(req)));
  });
  for (const [kind, status] of [
    ['approve', 'approved'],
    ['reject', 'rejected'],
  ] as const) {
    r.post(`/exceptions/:id/${kind}`, requirePermission('exceptions:approve'), async (req, res) => {
      const { id, decision } = exceptionDecisionRequest(req);
      res.json(await exceptions.decide(principalOf(res), id, status, decision, res.locals.correlationId));
    });
  }

  r.get('/audit/events', requirePermission('audit:read'), async (req, res) => {
    res.json(await audit.query(principalOf(res), parseAuditEventsQuery(req.query)));
  });
  r.get('/audit/verify', requirePermission('audit:read'), async (req, res) => {
    res.json(await audit.verify(principalOf(res), parseAuditVerifyQuery(req.query)));
  });
  return r;
}
