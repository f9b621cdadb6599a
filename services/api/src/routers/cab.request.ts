import type { Request } from 'express';
import { z } from 'zod';
import { parseOr400, uuidParam } from '../http/request';
import type { CabDecisionRequest, CabListQuery } from '../services/cab.service';

const sha = z.string().regex(/^[a-f0-9]{64}$/, 'must be the evidence pack SHA-256 shown on the CAB item');

/** Body of `POST /api/v1/cab/items/:id/approve`. */
export const approveSchema = z.object({ evidenceHash: sha, comment: z.string().trim().max(4000).optional() }).strict();
/** Body of `POST /api/v1/cab/items/:id/reject`. */
export const rejectSchema = z
  .object({ evidenceHash: sha, comment: z.string().trim().min(1, 'a rejection needs a comment').max(4000) })
  .strict();

/** Query of `GET /api/v1/cab/items`; `status` defaults to `pending`. */
export const listCabQuerySchema = z
  .object({
    status: z.enum(['pending', 'approved', 'rejected', 'withdrawn', 'all']).default('pending'),
    cursor: z.string().uuid('must be the nextCursor of a previous page').optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
  })
  .strict();

/** Filters and page of `GET /api/v1/cab/items` (`all` becomes no status filter). */
export function listCabRequest(req: Request): CabListQuery {
  const f = parseOr400(listCabQuerySchema, req.query, 'query');
  return { status: f.status === 'all' ? undefined : f.status, cursor: f.cursor, limit: f.limit };
}

/** The `:id` of a CAB item route. */
export function cabItemIdParam(req: Request): string {
  return uuidParam(req.params.id, 'CAB item');
}

/** Body and then id of an approve or reject: a request wrong in both reports the body, as it always has. */
export function cabDecisionRequest(req: Request, kind: 'approve' | 'reject'): { id: string; decision: CabDecisionRequest } {
  const decision = parseOr400<CabDecisionRequest>(kind === 'approve' ? approveSchema : rejectSchema, req.body ?? {}, `${kind} request`);
  return { id: cabItemIdParam(req), decision };
}
