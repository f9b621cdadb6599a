import { z } from 'zod';
import { inputErrorFromZod, isoDateTime } from '@eucora/core';
import type { AuditEventFilter } from '../services/audit.service';

const MAX_BIGINT = 2n ** 63n - 1n;

const eventsQuerySchema = z
  .object({
    aggregateType: z.string().min(1).max(100).optional(),
    aggregateId: z.string().min(1).max(200).optional(),
    type: z.string().min(1).max(200).optional(),
    from: isoDateTime().optional(),
    to: isoDateTime().optional(),
    // seq is a PostgreSQL bigint: a larger number would fail the cast in the database instead of here.
    cursor: z
      .string()
      .regex(/^\d{1,19}$/, 'must be the nextCursor of a previous page')
      .refine((c) => !/^\d{1,19}$/.test(c) || BigInt(c) <= MAX_BIGINT, 'must be the nextCursor of a previous page')
      .optional(),
    limit: z.coerce.number().int().min(1).max(1000).default(100),
  })
  .strict();

const verifyQuerySchema = z.object({ full: z.enum(['true', 'false']).optional() }).strict();

// Stored `createdAt` strings are UTC: an offset in the query is normalised so the lexical comparison is a time comparison.
const utc = (s?: string) => (s ? new Date(s).toISOString() : undefined);

/** `GET /audit/events` query → typed filter; `InputError` (paths are the query parameter names) when invalid. */
export function parseAuditEventsQuery(q: unknown): AuditEventFilter {
  const parsed = eventsQuerySchema.safeParse(q);
  if (!parsed.success) throw inputErrorFromZod(parsed.error, 'query');
  const { from, to, ...rest } = parsed.data;
  return { ...rest, from: utc(from), to: utc(to) };
}

/** `GET /audit/verify` query → `{ full }` (default false); `InputError` when invalid. */
export function parseAuditVerifyQuery(q: unknown): { full: boolean } {
  const parsed = verifyQuerySchema.safeParse(q);
  if (!parsed.success) throw inputErrorFromZod(parsed.error, 'query');
  return { full: parsed.data.full === 'true' };
}
