import type { DataSource, EntityManager } from 'typeorm';
import { TenantEntity } from '../entities/tenant.entity';

/** Tenants. Creating one is an operator action (CLI / bootstrap), not an API call of a tenant. */
export class TenantRepository {
  constructor(private readonly ds: DataSource) {}

  async create(tenant: Pick<TenantEntity, 'id' | 'slug' | 'name'>, em: EntityManager = this.ds.manager): Promise<TenantEntity> {
    return em.getRepository(TenantEntity).save(em.getRepository(TenantEntity).create(tenant));
  }

  async count(): Promise<number> {
    return this.ds.getRepository(TenantEntity).count();
  }
}
