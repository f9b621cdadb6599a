import { randomUUID } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import {
  chainEvent,
  findUnsafeInput,
  GENESIS_HASH,
  InputError,
  type EventData,
  type EventEnvelope,
  type EventType,
  type NewEvent,
  type StateChangeData,
} from '@eucora/core';
import { EventChainHeadEntity, EventEntity } from '../entities/event.entity';

/** The envelope fields of an append other than the event itself, plus a key that makes retries idempotent. */
export interface AppendFields extends Omit<NewEvent, 'eventId' | 'createdAt' | 'eventType' | 'data'> {
  /** Unique per tenant; a second append with the same key returns the first event instead of adding one. */
  dedupeKey: string;
  /** Defaults to now. */
  createdAt?: string;
}

/**
 * What a caller appends: a catalogue event type `T` with its `data` (see @eucora/core's event catalogue; the intent store
 * adds `fromState`/`toState` on a state change) and the envelope fields. Generic rather than a union so a caller holding a
 * union of types (e.g. the intent store relaying a transition) appends without re-narrowing; a literal type is exact.
 */
export type AppendEvent<T extends EventType = EventType> = AppendFields & { eventType: T; data: EventData<T> & StateChangeData };

type AnyAppendEvent = AppendFields & { eventType: string; data: Record<string, unknown> };

function toEnvelope(e: EventEntity): EventEnvelope {
  return {
    eventId: e.eventId,
    tenantId: e.tenantId,
    aggregateType: e.aggregateType,
    aggregateId: e.aggregateId,
    eventType: e.eventType,
    actor: e.actor,
    reason: e.reason,
    data: e.data,
    correlationId: e.correlationId,
    createdAt: e.createdAt,
    schemaVersion: e.schemaVersion,
    prevHash: e.prevHash,
    hash: e.hash,
  };
}

/**
 * Refuses text PostgreSQL cannot store as given (NUL fails, a lone surrogate becomes U+FFFD), so the hash of an event
 * always covers exactly the stored bytes. The API refuses such input at intake; this is the last line for other writers.
 */
function assertStorable(input: AnyAppendEvent): void {
  const issues = [
    ...findUnsafeInput(input.actor, { root: 'actor' }),
    ...findUnsafeInput(input.reason, { root: 'reason' }),
    ...findUnsafeInput(input.data, { root: 'data' }),
  ];
  if (issues.length > 0) throw new InputError(`Event not storable: ${issues[0]!.path}: ${issues[0]!.message}`, issues);
}

/** The append-only, per-tenant hash-chained event store. */
export class EventRepository {
  constructor(private readonly ds: DataSource) {}

  /**
   * Appends one event to its tenant's chain inside `em`'s transaction (opening one when `em` is omitted).
   * The chain head row is locked, so concurrent appends of one tenant serialise and the chain never forks.
   */
  append<T extends EventType>(input: AppendEvent<T>, em?: EntityManager): Promise<{ event: EventEnvelope; duplicate: boolean }>;
  // The body works on the erased shape: the catalogue types the callers, the chain stores any JSON object.
  async append(input: AnyAppendEvent, em?: EntityManager): Promise<{ event: EventEnvelope; duplicate: boolean }> {
    assertStorable(input);
    if (!em) return this.ds.transaction((tx) => this.append(input as AppendEvent, tx));
    const existing = await em.getRepository(EventEntity).findOneBy({ tenantId: input.tenantId, dedupeKey: input.dedupeKey });
    if (existing) return { event: toEnvelope(existing), duplicate: true };

    await em
      .createQueryBuilder()
      .insert()
      .into(EventChainHeadEntity)
      .values({ tenantId: input.tenantId, lastHash: GENESIS_HASH, eventCount: '0' })
      .orIgnore()
      .execute();
    const head = await em
      .getRepository(EventChainHeadEntity)
      .createQueryBuilder('h')
      .setLock('pessimistic_write')
      .where('h.tenant_id = :t', { t: input.tenantId })
      .getOneOrFail();
    // Re-check under the lock: a concurrent retry of the same activity may have won the race.
    const raced = await em.getRepository(EventEntity).findOneBy({ tenantId: input.tenantId, dedupeKey: input.dedupeKey });
    if (raced) return { event: toEnvelope(raced), duplicate: true };

    const { dedupeKey, createdAt, ...rest } = input;
    const event = chainEvent({ ...rest, eventId: randomUUID(), createdAt: createdAt ?? new Date().toISOString() }, head.lastHash);
    // The head row is locked: event_count + 1 is this tenant's next number, never handed out twice.
    const tenantSeq = String(BigInt(head.eventCount) + 1n);
    await em.getRepository(EventEntity).save(em.getRepository(EventEntity).create({ ...event, dedupeKey, tenantSeq }));
    await em.getRepository(EventChainHeadEntity).update({ tenantId: input.tenantId }, { lastHash: event.hash, eventCount: tenantSeq });
    return { event, duplicate: false };
  }

  /** Events of one aggregate in order. */
  async listForAggregate(tenantId: string, aggregateType: string, aggregateId: string): Promise<EventEnvelope[]> {
    const rows = await this.ds
      .getRepository(EventEntity)
      .find({ where: { tenantId, aggregateType, aggregateId }, order: { tenantSeq: 'ASC' } });
    return rows.map(toEnvelope);
  }

  /** Audit query: filters by aggregate, type and time, in chain order after the tenant sequence number `afterSeq`. */
  async query(
    tenantId: string,
    f: { aggregateType?: string; aggregateId?: string; eventType?: string; from?: string; to?: string; afterSeq?: string; limit: number },
  ): Promise<{ seq: string; event: EventEnvelope }[]> {
    const qb = this.ds.getRepository(EventEntity).createQueryBuilder('e').where('e.tenant_id = :tenantId', { tenantId });
    if (f.aggregateType) qb.andWhere('e.aggregate_type = :at', { at: f.aggregateType });
    if (f.aggregateId) qb.andWhere('e.aggregate_id = :ai', { ai: f.aggregateId });
    if (f.eventType) qb.andWhere('e.event_type = :et', { et: f.eventType });
    // created_at is the hashed ISO string: lexical order equals time order for the fixed UTC format.
    if (f.from) qb.andWhere('e.created_at >= :from', { from: f.from });
    if (f.to) qb.andWhere('e.created_at < :to', { to: f.to });
    if (f.afterSeq) qb.andWhere('e.tenant_seq > :after', { after: f.afterSeq });
    const rows = await qb.orderBy('e.tenant_seq', 'ASC').limit(f.limit).getMany();
    return rows.map((r) => ({ seq: r.tenantSeq, event: toEnvelope(r) }));
  }

  /** The stored head of a tenant's chain. */
  async head(tenantId: string): Promise<{ lastHash: string; eventCount: number } | null> {
    const h = await this.ds.getRepository(EventChainHeadEntity).findOneBy({ tenantId });
    return h ? { lastHash: h.lastHash, eventCount: Number(h.eventCount) } : null;
  }

  /** A tenant's whole chain in order, in one query (the pre-checkpoint verify; kept as the benchmark's baseline). */
  async listForTenant(tenantId: string): Promise<(EventEnvelope & { seq: string })[]> {
    const rows = await this.ds.getRepository(EventEntity).find({ where: { tenantId }, order: { tenantSeq: 'ASC' } });
    return rows.map((r) => ({ ...toEnvelope(r), seq: r.tenantSeq }));
  }

  /** One keyset page of a tenant's chain: events with `afterSeq` < tenant sequence <= `uptoSeq`, in order (bounded memory). */
  async pageForTenant(
    tenantId: string,
    afterSeq: string,
    limit: number,
    uptoSeq = '9223372036854775807',
  ): Promise<(EventEnvelope & { seq: string })[]> {
    // Plain rows, no entity hydration: this is the hot path of a full verify.
    const rows: Record<string, unknown>[] = await this.ds.query(
      `SELECT event_id, tenant_id, aggregate_type, aggregate_id, event_type, actor, reason, data, correlation_id, created_at,
              schema_version, prev_hash, hash, tenant_seq
       FROM events WHERE tenant_id = $1 AND tenant_seq > $2 AND tenant_seq <= $4 ORDER BY tenant_seq LIMIT $3`,
      [tenantId, afterSeq, limit, uptoSeq],
    );
    return rows.map((r) => ({
      eventId: r.event_id as string,
      tenantId: r.tenant_id as string,
      aggregateType: r.aggregate_type as string,
      aggregateId: r.aggregate_id as string,
      eventType: r.event_type as string,
      actor: r.actor as string,
      reason: r.reason as string,
      data: r.data as Record<string, unknown>,
      correlationId: r.correlation_id as string,
      createdAt: r.created_at as string,
      schemaVersion: r.schema_version as number,
      prevHash: r.prev_hash as string,
      hash: r.hash as string,
      seq: String(r.tenant_seq),
    }));
  }

  /** The event at a tenant sequence number, or null. */
  async atSeq(tenantId: string, tenantSeq: string): Promise<(EventEnvelope & { seq: string }) | null> {
    const r = await this.ds.getRepository(EventEntity).findOneBy({ tenantId, tenantSeq });
    return r ? { ...toEnvelope(r), seq: r.tenantSeq } : null;
  }
}
