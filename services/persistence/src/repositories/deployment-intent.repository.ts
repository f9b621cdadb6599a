import type { DataSource, EntityManager } from 'typeorm';
import { IsNull, LessThan } from 'typeorm';
import type { IntentState } from '@eucora/core';
import { DeploymentIntentEntity } from '../entities/deployment-intent.entity';

/** Deployment intents, always scoped by tenant. */
export class DeploymentIntentRepository {
  constructor(private readonly ds: DataSource) {}

  private repo(em: EntityManager = this.ds.manager) {
    return em.getRepository(DeploymentIntentEntity);
  }

  async insert(intent: Omit<DeploymentIntentEntity, 'createdAt' | 'updatedAt'>, em?: EntityManager): Promise<DeploymentIntentEntity> {
    const repo = this.repo(em);
    return repo.save(repo.create(intent));
  }

  async findById(tenantId: string, id: string, em?: EntityManager): Promise<DeploymentIntentEntity | null> {
    return this.repo(em).findOneBy({ tenantId, id });
  }

  async setState(tenantId: string, id: string, state: IntentState, em?: EntityManager): Promise<void> {
    await this.repo(em).update({ tenantId, id }, { state });
  }

  async markWorkflowStarted(tenantId: string, id: string, at: Date): Promise<void> {
    await this.repo().update({ tenantId, id, workflowStartedAt: IsNull() }, { workflowStartedAt: at });
  }

  /**
   * Intents whose workflow start never reached Temporal (API crashed or Temporal was down after the row committed).
   * Cross-tenant on purpose: the dispatcher works for all tenants and each row carries its own tenant.
   */
  async findUnstarted(olderThan: Date, limit: number): Promise<DeploymentIntentEntity[]> {
    return this.repo().find({
      where: { workflowStartedAt: IsNull(), createdAt: LessThan(olderThan) },
      order: { createdAt: 'ASC' },
      take: limit,
    });
  }
}
