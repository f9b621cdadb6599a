import type { EntityManager } from 'typeorm';
import { IdempotencyKeyEntity } from '../entities/idempotency-key.entity';

/** Outcome of claiming an idempotency key. */
export type IdempotencyClaim =
  { status: 'claimed' } | { status: 'replay'; resourceId: string } | { status: 'mismatch'; resourceId: string };

/** Idempotency keys of creates, scoped by tenant and operation. */
export class IdempotencyKeyRepository {
  /**
   * Claims `key` for `resourceId` inside the caller's transaction. A concurrent claim of the same key blocks on the
   * primary key until the first transaction ends, then sees its row: exactly one request creates the resource.
   */
  async claim(
    em: EntityManager,
    row: Pick<IdempotencyKeyEntity, 'tenantId' | 'scope' | 'key' | 'requestHash' | 'resourceId'>,
  ): Promise<IdempotencyClaim> {
    const inserted = await em
      .createQueryBuilder()
      .insert()
      .into(IdempotencyKeyEntity)
      .values(row)
      .orIgnore()
      .returning(['resourceId'])
      .execute();
    if (inserted.raw.length > 0) return { status: 'claimed' };
    const existing = await em.getRepository(IdempotencyKeyEntity).findOneByOrFail({
      tenantId: row.tenantId,
      scope: row.scope,
      key: row.key,
    });
    return existing.requestHash === row.requestHash
      ? { status: 'replay', resourceId: existing.resourceId }
      : { status: 'mismatch', resourceId: existing.resourceId };
  }
}
