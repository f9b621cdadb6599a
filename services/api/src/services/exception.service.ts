import { randomUUID } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import { z } from 'zod';
import { ConflictError, InputError, inputErrorFromZod, isoDateTime, NotAllowedError, NotFoundError, type Principal } from '@eucora/core';
import type { ExceptionEventAction, ExceptionEventType } from '@eucora/core';
import { EventRepository, ExceptionRepository, type ExceptionRow } from '@eucora/persistence';

const MAX_DAYS = 365;

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

const decisionSchema = z.object({ comment: z.string().trim().max(4000).optional() }).strict();
/** An exception as listed: `effective` = approved and unexpired right now. */
type EffectiveException = ExceptionRow & { effective: boolean };

const listQuerySchema = z
  .object({
    status: z.enum(['pending', 'approved', 'rejected']).optional(),
    packageName: z.string().min(1).max(200).optional(),
    cursor: z.string().uuid('must be the nextCursor of a previous page').optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
  })
  .strict();
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Time-boxed security exceptions: requested by release engineers, decided by security reviewers. */
export class ExceptionService {
  private readonly repo: ExceptionRepository;
  private readonly events: EventRepository;

  constructor(private readonly ds: DataSource, private readonly clock: () => Date = () => new Date()) {
    this.repo = new ExceptionRepository(ds);
    this.events = new EventRepository(ds);
  }

  async create(principal: Principal, body: unknown, correlationId: string): Promise<ExceptionRow> {
    const parsed = createExceptionSchema.safeParse(body);
    if (!parsed.success) throw inputErrorFromZod(parsed.error, 'exception');
    const expires = Date.parse(parsed.data.expiresAt);
    const now = this.clock().getTime();
    if (expires <= now) throw new InputError('Invalid exception', [{ path: 'expiresAt', message: 'must be in the future' }]);
    if (expires > now + MAX_DAYS * 86_400_000) throw new InputError('Invalid exception', [{ path: 'expiresAt', message: `must be within ${MAX_DAYS} days` }]);
    const row = await this.repo.insert(principal.tenantId, {
      id: randomUUID(),
      packageName: parsed.data.packageName,
      findingIds: [...new Set(parsed.data.findingIds)],
      compensatingControls: parsed.data.compensatingControls,
      justification: parsed.data.justification,
      expiresAt: new Date(expires).toISOString(),
      requestedBy: principal.actor,
      requestedByTokenId: principal.tokenId,
    });
    await this.record(principal, row, 'exception.requested', `Exception requested for ${row.packageName}: ${row.findingIds.join(', ')} until ${row.expiresAt}`, correlationId);
    return row;
  }

  async get(principal: Principal, id: string): Promise<ExceptionRow> {
    if (!UUID_RE.test(id)) throw new InputError('Invalid exception id', [{ path: 'id', message: 'must be a UUID' }]);
    const row = await this.repo.findById(principal.tenantId, id);
    if (!row) throw new NotFoundError(`Exception ${id} not found`);
    return row;
  }

  /** Newest first; `cursor` is the `nextCursor` of the previous page (the last id on it). */
  async list(principal: Principal, q: Record<string, unknown>): Promise<{ items: EffectiveException[]; nextCursor: string | null }> {
    const parsed = listQuerySchema.safeParse(q);
    if (!parsed.success) throw inputErrorFromZod(parsed.error, 'query');
    const f = parsed.data;
    const filter = { status: f.status, packageName: f.packageName, afterId: f.cursor, limit: f.limit + 1 };
    const rows = await this.repo.list(principal.tenantId, filter);
    const page = rows.slice(0, f.limit);
    const now = this.clock().getTime();
    // `effective`: what the policy will count right now (approved and unexpired).
    return {
      items: page.map((r) => ({ ...r, effective: r.status === 'approved' && Date.parse(r.expiresAt) > now })),
      nextCursor: rows.length > f.limit ? page.at(-1)!.id : null,
    };
  }

  async decide(principal: Principal, id: string, status: 'approved' | 'rejected', body: unknown, correlationId: string): Promise<ExceptionRow> {
    const parsed = decisionSchema.safeParse(body ?? {});
    if (!parsed.success) throw inputErrorFromZod(parsed.error, 'decision');
    const existing = await this.get(principal, id);
    if (existing.requestedByTokenId === principal.tokenId || existing.requestedBy === principal.actor) {
      throw new NotAllowedError('Separation of duties: the requester cannot decide their own exception');
    }
    if (status === 'approved' && Date.parse(existing.expiresAt) <= this.clock().getTime()) throw new ConflictError('The exception has already expired');
    // State and audit event commit together: a decision without its event (or the reverse) can never be observed.
    return this.ds.transaction(async (em) => {
      const row = await this.repo.decide(principal.tenantId, id, status, principal.actor, parsed.data.comment ?? null, em);
      if (!row) throw new ConflictError(`Exception ${id} is already ${existing.status}`);
      const reason = `Exception ${status} by ${principal.actor}${row.decisionComment ? `: ${row.decisionComment}` : ''}`;
      await this.record(principal, row, `exception.${status}`, reason, correlationId, em);
      return row;
    });
  }

  private async record(
    principal: Principal,
    row: ExceptionRow,
    type: ExceptionEventType,
    reason: string,
    correlationId: string,
    em?: EntityManager,
  ): Promise<void> {
    await this.events.append({
      tenantId: principal.tenantId,
      aggregateType: 'exception',
      aggregateId: row.id,
      eventType: type,
      actor: principal.actor,
      reason,
      data: {
        action: type.split('.')[1] as ExceptionEventAction,
        packageName: row.packageName, findingIds: row.findingIds, expiresAt: row.expiresAt,
      },
      correlationId,
      dedupeKey: `${type}:${row.id}`,
    }, em);
  }
}
