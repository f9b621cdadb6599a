import type { Request } from 'express';
import { z } from 'zod';
import { ROLES } from '@eucora/core';
import { parseOr400, uuidParam } from '../http/request';
import type { TokenRequestInput } from '../services/token.service';

/** Body of `POST /api/v1/admin/tokens`. */
export const createTokenSchema = z
  .object({
    name: z.string().trim().min(1).max(100),
    roles: z.array(z.enum(ROLES)).min(1).max(ROLES.length),
  })
  .strict();

/** Body of `POST /api/v1/admin/tokens`. */
export function issueTokenRequest(req: Request): TokenRequestInput {
  return parseOr400(createTokenSchema, req.body, 'token request');
}

/** The `:id` of a token route. */
export function tokenIdParam(req: Request): string {
  return uuidParam(req.params.id, 'token');
}
