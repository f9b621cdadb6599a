import type { DataSource, EntityManager } from 'typeorm';
import { IsNull } from 'typeorm';
import { ApiTokenEntity } from '../entities/api-token.entity';

/** API tokens. Every method but `findForAuthentication` is scoped by tenant. */
export class ApiTokenRepository {
  constructor(private readonly ds: DataSource) {}

  private repo(em: EntityManager = this.ds.manager) {
    return em.getRepository(ApiTokenEntity);
  }

  async insert(
    token: Omit<ApiTokenEntity, 'createdAt' | 'lastUsedAt' | 'rotatedAt' | 'disabledAt'>,
    em?: EntityManager,
  ): Promise<ApiTokenEntity> {
    const repo = this.repo(em);
    return repo.save(repo.create({ ...token, disabledAt: null, rotatedAt: null, lastUsedAt: null }));
  }

  /** The one unscoped lookup: authentication is what tells us the tenant. */
  async findForAuthentication(id: string): Promise<ApiTokenEntity | null> {
    return this.repo().findOneBy({ id });
  }

  /** Finds a token of the tenant; `forUpdate` locks the row for the caller's transaction. */
  async findById(tenantId: string, id: string, em?: EntityManager, forUpdate = false): Promise<ApiTokenEntity | null> {
    return this.repo(em).findOne({ where: { tenantId, id }, ...(forUpdate ? { lock: { mode: 'pessimistic_write' as const } } : {}) });
  }

  async list(tenantId: string): Promise<ApiTokenEntity[]> {
    return this.repo().find({ where: { tenantId }, order: { createdAt: 'ASC' } });
  }

  /** Disables an active token; returns false when it was not active (or not in this tenant). */
  async disable(tenantId: string, id: string, at: Date, em?: EntityManager): Promise<boolean> {
    const res = await this.repo(em).update({ tenantId, id, disabledAt: IsNull() }, { disabledAt: at });
    return (res.affected ?? 0) > 0;
  }

  async markRotated(tenantId: string, id: string, at: Date, em?: EntityManager): Promise<boolean> {
    const res = await this.repo(em).update({ tenantId, id, disabledAt: IsNull() }, { disabledAt: at, rotatedAt: at });
    return (res.affected ?? 0) > 0;
  }

  /** Best-effort usage stamp, throttled by the caller. */
  async touch(id: string, at: Date): Promise<void> {
    await this.repo().update({ id }, { lastUsedAt: at });
  }
}
