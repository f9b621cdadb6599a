import type { Request } from 'express';
import { z } from 'zod';
import { isoDateTime } from '@eucora/core';
import { parseOr400, uuidParam } from '../http/request';
import type { ExceptionDecisionInput, ExceptionListQuery, ExceptionRequestInput } from '../services/exception.service';

/** Body of `POST /api/v1/exceptions`. */
export const createExceptionSchema = z
  .object({
    packageName: z.string().trim().min(1).max(200),
    findingIds: z.array(z.string().trim().min(1).max(100)).min(1).max(200),
    compensatingControls: z.string().trim().min(10, 'describe the compensating controls (at least 10 characters)').max(4000),
    justification: z.string().trim().min(10).max(4000),
    expiresAt: isoDateTime(),
  })
  .strict();

/** Body of `POST /api/v1/exceptions/:id/approve` and `/reject`. */
export const exceptionDecisionSchema = z.object({ comment: z.string().trim().max(4000).optional() }).strict();

/** Query of `GET /api/v1/exceptions`. */
export const listExceptionsQuerySchema = z
  .object({
    status: z.enum(['pending', 'approved', 'rejected']).optional(),
    packageName: z.string().min(1).max(200).optional(),
    cursor: z.string().uuid('must be the nextCursor of a previous page').optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
  })
  .strict();

/** Body of `POST /api/v1/exceptions` (the expiry's window is checked by the service, against its clock). */
export function createExceptionRequest(req: Request): ExceptionRequestInput {
  return parseOr400(createExceptionSchema, req.body, 'exception');
}

/** Filters and page of `GET /api/v1/exceptions`. */
export function listExceptionsRequest(req: Request): ExceptionListQuery {
  return parseOr400(listExceptionsQuerySchema, req.query, 'query');
}

/** The `:id` of an exception route. */
export function exceptionIdParam(req: Request): string {
  return uuidParam(req.params.id, 'exception');
}

/** Body and then id of an approve or reject: a request wrong in both reports the body, as it always has. */
export function exceptionDecisionRequest(req: Request): { id: string; decision: ExceptionDecisionInput } {
  const decision = parseOr400(exceptionDecisionSchema, req.body ?? {}, 'decision');
  return { id: exceptionIdParam(req), decision };
}
