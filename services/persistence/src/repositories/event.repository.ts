import { randomUUID } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import { chainEvent, GENESIS_HASH, type EventEnvelope, type NewEvent } from '@eucora/core';
import { EventChainHeadEntity, EventEntity } from '../entities/event.entity';

/** What a caller appends: the envelope minus chain fields, plus a key that makes retries idempotent. */
export interface AppendEvent extends Omit<NewEvent, 'eventId' | 'createdAt'> {
  /** Unique per tenant; a second append with the same key returns the first event instead of adding one. */
  dedupeKey: string;
  /** Defaults to now. */
  createdAt?: string;
}

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

/** The append-only, per-tenant hash-chained event store. */
export class EventRepository {
  constructor(private readonly ds: DataSource) {}

  /**
   * Appends one event to its tenant's chain inside `em`'s transaction (opening one when `em` is omitted).
   * The chain head row is locked, so concurrent appends of one tenant serialise and the chain never forks.
   */
  async append(input: AppendEvent, em?: EntityManager): Promise<{ event: EventEnvelope; duplicate: boolean }> {
    if (!em) return this.ds.transaction((tx) => this.append(input, tx));
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
    await em.getRepository(EventEntity).save(em.getRepository(EventEntity).create({ ...event, dedupeKey }));
    await em
      .getRepository(EventChainHeadEntity)
      .update({ tenantId: input.tenantId }, { lastHash: event.hash, eventCount: String(BigInt(head.eventCount) + 1n) });
    return { event, duplicate: false };
  }

  /** Events of one aggregate in order. */
  async listForAggregate(tenantId: string, aggregateType: string, aggregateId: string): Promise<EventEnvelope[]> {
    const rows = await this.ds
      .getRepository(EventEntity)
      .find({ where: { tenantId, aggregateType, aggregateId }, order: { seq: 'ASC' } });
    return rows.map(toEnvelope);
  }

  /** A tenant's whole chain in order (for verification). */
  async listForTenant(tenantId: string): Promise<EventEnvelope[]> {
    const rows = await this.ds.getRepository(EventEntity).find({ where: { tenantId }, order: { seq: 'ASC' } });
    return rows.map(toEnvelope);
  }
}
