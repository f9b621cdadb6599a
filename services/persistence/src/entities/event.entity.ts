import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** Append-only audit/timeline event; UPDATE, DELETE and TRUNCATE are rejected by database triggers. */
@Entity({ name: 'events' })
export class EventEntity {
  /** Insertion order within the database; the hash chain follows it per tenant. */
  @PrimaryGeneratedColumn('increment', { type: 'bigint' }) seq!: string;
  /** Position in the tenant's own chain (1, 2, …): what the API exposes, so no tenant learns another's volume. */
  @Column('bigint', { name: 'tenant_seq' }) tenantSeq!: string;
  @Column('uuid', { name: 'event_id', unique: true }) eventId!: string;
  @Column('uuid', { name: 'tenant_id' }) tenantId!: string;
  @Column('text', { name: 'aggregate_type' }) aggregateType!: string;
  @Column('text', { name: 'aggregate_id' }) aggregateId!: string;
  @Column('text', { name: 'event_type' }) eventType!: string;
  @Column('text') actor!: string;
  @Column('text') reason!: string;
  @Column('jsonb') data!: Record<string, unknown>;
  @Column('text', { name: 'correlation_id' }) correlationId!: string;
  /** Stored as the exact ISO string that was hashed, so verification never depends on timestamp round-trips. */
  @Column('text', { name: 'created_at' }) createdAt!: string;
  @Column('int', { name: 'schema_version' }) schemaVersion!: number;
  @Column('text', { name: 'prev_hash' }) prevHash!: string;
  @Column('text') hash!: string;
  /** Makes appends from retried activities idempotent: unique per tenant. */
  @Column('text', { name: 'dedupe_key' }) dedupeKey!: string;
}

/** The head of each tenant's hash chain; its row lock serialises appends per tenant. */
@Entity({ name: 'event_chain_heads' })
export class EventChainHeadEntity {
  @Column('uuid', { name: 'tenant_id', primary: true }) tenantId!: string;
  @Column('text', { name: 'last_hash' }) lastHash!: string;
  @Column('bigint', { name: 'event_count' }) eventCount!: string;
}
