import { randomUUID } from 'node:crypto';
import { ConflictError, InputError, NotAllowedError, NotFoundError, type Principal } from '@eucora/core';
import type { ExceptionEventAction, ExceptionEventType } from '@eucora/core';
import type { EventRepository, ExceptionRepository, ExceptionRow, Tx, UnitOfWork } from '@eucora/persistence';
import { keysetPage } from './keyset-page';

const MAX_DAYS = 365;

/** An exception as listed: `effective` = approved and unexpired right now. */
type EffectiveException = ExceptionRow & { effective: boolean };

/** The repositories ExceptionService uses; a decision and its audit event share one `uow` transaction. */
export interface ExceptionStores {
  exceptions: Pick<ExceptionRepository, 'insert' | 'findById' | 'list' | 'decide'>;
  events: Pick<EventRepository, 'append'>;
  uow: UnitOfWork;
}

/** A validated exception request; `expiresAt` is an ISO date-time (its window is the service's rule). */
export interface ExceptionRequestInput {
  packageName: string;
  findingIds: string[];
  compensatingControls: string;
  justification: string;
  expiresAt: string;
}

/** A validated approve or reject. */
export interface ExceptionDecisionInput {
  comment?: string;
}

/** Filters and page of an exception listing; `cursor` is the last id of the previous page. */
export interface ExceptionListQuery {
  status?: 'pending' | 'approved' | 'rejected';
  packageName?: string;
  cursor?: string;
  limit: number;
}

/** Time-boxed security exceptions: requested by release engineers, decided by security reviewers. */
export class ExceptionService {
  private readonly repo: ExceptionStores['exceptions'];

  /** `clock`: the time expiries are judged against; default the system clock. */
  constructor(
    private readonly stores: ExceptionStores,
    private readonly clock: () => Date = () => new Date(),
  ) {
    this.repo = stores.exceptions;
  }

  async create(principal: Principal, input: ExceptionRequestInput, correlationId: string): Promise<ExceptionRow> {
    const expires = Date.parse(input.expiresAt);
    const now = this.clock().getTime();
    if (expires <= now) throw new InputError('Invalid exception', [{ path: 'expiresAt', message: 'must be in the future' }]);
    if (expires > now + MAX_DAYS * 86_400_000)
      throw new InputError('Invalid exception', [{ path: 'expiresAt', message: `must be within ${MAX_DAYS} days` }]);
    // One transaction: an exception never exists without its `exception.requested` event (a crash between the two
    // would leave a request the audit trail does not know).
    return this.stores.uow.transaction(async (tx) => {
      const row = await this.repo.insert(
        principal.tenantId,
        {
          id: randomUUID(),
          packageName: input.packageName,
          findingIds: [...new Set(input.findingIds)],
          compensatingControls: input.compensatingControls,
          justification: input.justification,
          expiresAt: new Date(expires).toISOString(),
          requestedBy: principal.actor,
          requestedByTokenId: principal.tokenId,
        },
        tx,
      );
      await this.record(
        principal,
        row,
        'exception.requested',
        `Exception requested for ${row.packageName}: ${row.findingIds.join(', ')} until ${row.expiresAt}`,
        correlationId,
        tx,
      );
      return row;
    });
  }

  async get(principal: Principal, id: string): Promise<ExceptionRow> {
    const row = await this.repo.findById(principal.tenantId, id);
    if (!row) throw new NotFoundError(`Exception ${id} not found`);
    return row;
  }

  /** Newest first; `cursor` is the `nextCursor` of the previous page (the last id on it). */
  async list(principal: Principal, f: ExceptionListQuery): Promise<{ items: EffectiveException[]; nextCursor: string | null }> {
    const filter = { status: f.status, packageName: f.packageName, afterId: f.cursor, limit: f.limit + 1 };
    const rows = await this.repo.list(principal.tenantId, filter);
    const { page, next } = keysetPage(rows, f.limit, (last) => last.id);
    const now = this.clock().getTime();
    // `effective`: what the policy will count right now (approved and unexpired).
    return {
      items: page.map((r) => ({ ...r, effective: r.status === 'approved' && Date.parse(r.expiresAt) > now })),
      nextCursor: next,
    };
  }

  async decide(
    principal: Principal,
    id: string,
    status: 'approved' | 'rejected',
    input: ExceptionDecisionInput,
    correlationId: string,
  ): Promise<ExceptionRow> {
    const existing = await this.get(principal, id);
    if (existing.requestedByTokenId === principal.tokenId || existing.requestedBy === principal.actor) {
      throw new NotAllowedError('Separation of duties: the requester cannot decide their own exception');
    }
    if (status === 'approved' && Date.parse(existing.expiresAt) <= this.clock().getTime())
      throw new ConflictError('The exception has already expired');
    // State and audit event commit together: a decision without its event (or the reverse) can never be observed.
    return this.stores.uow.transaction(async (tx) => {
      const row = await this.repo.decide(principal.tenantId, id, status, principal.actor, input.comment ?? null, tx);
      if (!row) throw new ConflictError(`Exception ${id} is already ${existing.status}`);
      const reason = `Exception ${status} by ${principal.actor}${row.decisionComment ? `: ${row.decisionComment}` : ''}`;
      await this.record(principal, row, `exception.${status}`, reason, correlationId, tx);
      return row;
    });
  }

  private async record(
    principal: Principal,
    row: ExceptionRow,
    type: ExceptionEventType,
    reason: string,
    correlationId: string,
    tx?: Tx,
  ): Promise<void> {
    await this.stores.events.append(
      {
        tenantId: principal.tenantId,
        aggregateType: 'exception',
        aggregateId: row.id,
        eventType: type,
        actor: principal.actor,
        reason,
        data: {
          action: type.split('.')[1] as ExceptionEventAction,
          packageName: row.packageName,
          findingIds: row.findingIds,
          expiresAt: row.expiresAt,
        },
        correlationId,
        dedupeKey: `${type}:${row.id}`,
      },
      tx,
    );
  }
}
