import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

@Entity({ name: 'idempotency_keys' })
export class IdempotencyKeyEntity {
  @PrimaryColumn('uuid', { name: 'tenant_id' }) tenantId!: string;
  /** What the key was used for, e.g. `intents.create`; the same key may be used for different operations. */
  @PrimaryColumn('text') scope!: string;
  @PrimaryColumn('text') key!: string;
  /** SHA-256 of the canonical request body: same key + different body is a conflict. */
  @Column('text', { name: 'request_hash' }) requestHash!: string;
  @Column('uuid', { name: 'resource_id' }) resourceId!: string;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
}
