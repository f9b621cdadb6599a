import type { DataSource, EntityManager } from 'typeorm';
import { In, IsNull, LessThan } from 'typeorm';
import { EventTypes, type IntentState } from '@eucora/core';
import { DeploymentIntentEntity } from '../entities/deployment-intent.entity';

/** Deployment intents, always scoped by tenant. */
export class DeploymentIntentRepository {
  constructor(private readonly ds: DataSource) {}

  private repo(em: EntityManager = this.ds.manager) {
    return em.getRepository(DeploymentIntentEntity);
  }

  async insert(
    intent: Omit<DeploymentIntentEntity, 'createdAt' | 'updatedAt' | 'riskScore' | 'riskBand' | 'policyDecision'>,
    em?: EntityManager,
  ): Promise<DeploymentIntentEntity> {
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

  /** Lists a tenant's intents newest first, keyset-paginated on (created_at, id). */
  async list(
    tenantId: string,
    f: { state?: string; plane?: string; submitter?: string; riskBand?: string; afterId?: string; limit: number },
  ): Promise<DeploymentIntentEntity[]> {
    const qb = this.repo().createQueryBuilder('i').where('i.tenant_id = :tenantId', { tenantId });
    if (f.state) qb.andWhere('i.state = :state', { state: f.state });
    if (f.plane) qb.andWhere('i.plane = :plane', { plane: f.plane });
    if (f.submitter) qb.andWhere('i.submitted_by = :submitter', { submitter: f.submitter });
    if (f.riskBand) qb.andWhere('i.risk_band = :band', { band: f.riskBand });
    // Keyset on the cursor row's own (created_at, id): exact to the microsecond, stable under concurrent inserts.
    if (f.afterId)
      qb.andWhere(
        '(i.created_at, i.id) < (SELECT c.created_at, c.id FROM deployment_intents c WHERE c.tenant_id = :tenantId AND c.id = :afterId)',
        { afterId: f.afterId },
      );
    return qb.orderBy('i.created_at', 'DESC').addOrderBy('i.id', 'DESC').limit(f.limit).getMany();
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

  /**
   * Unstarted intents in round-robin order across tenants: every tenant's oldest first, then every tenant's second, …
   * so one tenant's backlog cannot fill a sweep. At most `perTenant` rows per tenant.
   */
  async findUnstartedRoundRobin(
    olderThan: Date,
    perTenant: number,
    limit: number,
    tenantIds?: readonly string[],
  ): Promise<DeploymentIntentEntity[]> {
    const rows: { id: string; tenant_id: string }[] = await this.ds.query(
      `SELECT id, tenant_id FROM (
         SELECT id, tenant_id, created_at, row_number() OVER (PARTITION BY tenant_id ORDER BY created_at, id) AS rn
         FROM deployment_intents
         WHERE workflow_started_at IS NULL AND created_at < $1 AND ($4::uuid[] IS NULL OR tenant_id = ANY($4::uuid[]))
       ) q WHERE rn <= $2 ORDER BY rn, created_at, id LIMIT $3`,
      [olderThan, perTenant, limit, tenantIds ?? null],
    );
    if (rows.length === 0) return [];
    const byId = new Map((await this.repo().findBy({ id: In(rows.map((r) => r.id)) })).map((e) => [e.id, e]));
    return rows.map((r) => byId.get(r.id)).filter((e): e is DeploymentIntentEntity => e !== undefined);
  }

  /** Per tenant: intents whose workflow has started and that are still being assessed (submitted/assessing). */
  async countAssessing(tenantIds: readonly string[]): Promise<Map<string, number>> {
    if (tenantIds.length === 0) return new Map();
    const rows: { tenant_id: string; n: number }[] = await this.ds.query(
      `SELECT tenant_id, count(*)::int AS n FROM deployment_intents
       WHERE tenant_id = ANY($1::uuid[]) AND workflow_started_at IS NOT NULL AND state IN ('submitted', 'assessing') GROUP BY tenant_id`,
      [tenantIds],
    );
    return new Map(rows.map((r) => [r.tenant_id, r.n]));
  }

  /**
   * Outcomes of the package's last (up to) 10 finished intents other than `excludeIntentId` (package names compare
   * case-insensitively): each one's final state and how many `ring.halted` events it recorded. Newest first.
   */
  async recentOutcomes(tenantId: string, artifactName: string, excludeIntentId: string): Promise<{ state: string; haltedRings: number }[]> {
    const rows: { state: string; halted: string }[] = await this.ds.query(
      `SELECT i.state,
              (SELECT count(*) FROM events e WHERE e.tenant_id = i.tenant_id AND e.aggregate_id = i.id::text
                 AND e.event_type = $4) AS halted
         FROM deployment_intents i
        WHERE i.tenant_id = $1 AND lower(i.artifact_name) = lower($2) AND i.id <> $3
          AND i.state IN ('completed', 'rolled_back', 'failed')
        ORDER BY i.created_at DESC LIMIT 10`,
      [tenantId, artifactName, excludeIntentId, EventTypes.ringHalted],
    );
    return rows.map((r) => ({ state: r.state, haltedRings: Number(r.halted) }));
  }

  /** Records the assessment's headline on the intent (list filters and the console read it). */
  async setAssessment(tenantId: string, id: string, a: { riskScore: number; riskBand: string; policyDecision: string }): Promise<void> {
    await this.ds.query(
      `UPDATE deployment_intents SET risk_score = $3, risk_band = $4, policy_decision = $5 WHERE tenant_id = $1 AND id = $2`,
      [tenantId, id, a.riskScore, a.riskBand, a.policyDecision],
    );
  }

  /** Intents by state across tenants (the metrics gauge); states without an intent are absent. */
  async countByState(): Promise<Record<string, number>> {
    const rows: { state: string; n: number }[] = await this.ds.query(
      `SELECT state, count(*)::int AS n FROM deployment_intents GROUP BY state`,
    );
    return Object.fromEntries(rows.map((r) => [r.state, r.n]));
  }
}
