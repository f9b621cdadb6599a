import type { Request } from 'express';
import { z } from 'zod';
import { canonicalJson, createIntentSchema, InputError, INTENT_STATES, PLANES, sha256Hex } from '@eucora/core';
import { parseOr400, uuidParam } from '../http/request';
import type { CreateIntentInput, IntentListQuery } from '../services/intent.service';

const KEY_RE = /^[A-Za-z0-9._:-]{8,200}$/;

/** Query of `GET /api/v1/deployment-intents`. */
export const listIntentsQuerySchema = z
  .object({
    state: z.enum(INTENT_STATES).optional(),
    plane: z.enum(PLANES).optional(),
    submitter: z.string().min(1).max(200).optional(),
    riskBand: z.enum(['low', 'medium', 'high']).optional(),
    cursor: z.string().uuid('must be the nextCursor of a previous page').optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
  })
  .strict();

/** Body of `POST /api/v1/deployment-intents/:id/cancel` and `/rollback`. */
export const intentSignalSchema = z.object({ reason: z.string().trim().min(1).max(2000).optional() }).strict();

/** `Idempotency-Key` (required, its format checked) and then the body of `POST /api/v1/deployment-intents`. */
export function createIntentRequest(req: Request): CreateIntentInput {
  const idempotencyKey = req.header('idempotency-key');
  if (!idempotencyKey) {
    throw new InputError('The Idempotency-Key header is required on creates', [{ path: 'header.Idempotency-Key', message: 'is required' }]);
  }
  if (!KEY_RE.test(idempotencyKey)) {
    throw new InputError('Invalid Idempotency-Key header', [
      { path: 'header.Idempotency-Key', message: 'must be 8-200 characters of A-Z a-z 0-9 . _ : -' },
    ]);
  }
  const spec = parseOr400(createIntentSchema, req.body, 'deployment intent');
  // The hash covers the body as sent (not the parsed spec), so a replay must repeat the exact request.
  return { spec, idempotencyKey, requestHash: sha256Hex(canonicalJson(req.body)) };
}

/** Filters and page of `GET /api/v1/deployment-intents`. */
export function listIntentsRequest(req: Request): IntentListQuery {
  return parseOr400(listIntentsQuerySchema, req.query, 'query');
}

/** The `:id` of an intent route. */
export function intentIdParam(req: Request): string {
  return uuidParam(req.params.id, 'intent');
}

/** Body and then id of a cancel or rollback: a request wrong in both reports the body, as it always has. */
export function intentSignalRequest(req: Request, kind: 'cancel' | 'rollback'): { id: string; reason: string | undefined } {
  const { reason } = parseOr400(intentSignalSchema, req.body ?? {}, `${kind} request`);
  return { id: intentIdParam(req), reason };
}
