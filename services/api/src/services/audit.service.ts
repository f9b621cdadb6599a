import type { DataSource } from 'typeorm';
import { z } from 'zod';
import { inputErrorFromZod, isoDateTime, verifyChain, type EventEnvelope, type Principal } from '@eucora/core';
import { EventRepository } from '@eucora/persistence';

const MAX_BIGINT = 2n ** 63n - 1n;

const querySchema = z
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

/** Result of recomputing a tenant's chain. */
export interface AuditVerification {
  ok: boolean;
  checked: number;
  headHash: string | null;
  firstBroken?: { seq: string; eventId: string; reason: 'hash_mismatch' | 'prev_hash_mismatch' | 'head_mismatch' };
}

/** Reads and verifies the append-only, hash-chained audit trail of the caller's tenant. */
export class AuditService {
  private readonly events: EventRepository;

  constructor(ds: DataSource) {
    this.events = new EventRepository(ds);
  }

  async query(principal: Principal, q: Record<string, unknown>): Promise<{ items: (EventEnvelope & { seq: string })[]; nextCursor: string | null }> {
    const parsed = querySchema.safeParse(q);
    if (!parsed.success) throw inputErrorFromZod(parsed.error, 'query');
    const f = parsed.data;
    const norm = (s?: string) => (s ? new Date(s).toISOString() : undefined);
    const rows = await this.events.query(principal.tenantId, { aggregateType: f.aggregateType, aggregateId: f.aggregateId, eventType: f.type, from: norm(f.from), to: norm(f.to), afterSeq: f.cursor, limit: f.limit + 1 });
    const page = rows.slice(0, f.limit);
    return { items: page.map((r) => ({ ...r.event, seq: r.seq })), nextCursor: rows.length > f.limit ? page.at(-1)!.seq : null };
  }

  /** Recomputes every hash and link of the tenant's chain in order and names the first broken one. */
  async verify(principal: Principal): Promise<AuditVerification> {
    const events = await this.events.listForTenant(principal.tenantId);
    const chain = verifyChain(events);
    const { checked, lastHash: prev } = chain;
    if (chain.firstBroken) {
      const seq = events.find((e) => e.eventId === chain.firstBroken!.eventId)!.seq;
      return { ok: false, checked, headHash: null, firstBroken: { seq, ...chain.firstBroken } };
    }
    const head = await this.events.head(principal.tenantId);
    if (head && (head.lastHash !== prev || head.eventCount !== checked)) {
      // Events were removed from the end (or the head was edited): the stored head no longer matches the chain.
      const last = events.at(-1);
      return { ok: false, checked, headHash: prev, firstBroken: { seq: last?.seq ?? '0', eventId: last?.eventId ?? '', reason: 'head_mismatch' } };
    }
    return { ok: true, checked, headHash: events.length ? prev : null };
  }
}
