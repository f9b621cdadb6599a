import { randomUUID } from 'node:crypto';
import { NotFoundError, signDecision, UpstreamUnavailableError, type DecisionKey, type Principal } from '@eucora/core';
import type { CabItemRow, CabRepository } from '@eucora/persistence';
import type { CabDecisionResult } from '@eucora/workflows';
import type { WorkflowStarter } from '../adapters/workflow-starter';
import { keysetPage } from './keyset-page';

/** The CAB items CabService reads (tenant-scoped). */
export type CabItemStore = Pick<CabRepository, 'list' | 'findById'>;

/** Filters and page of the CAB queue; no `status` means every status; `cursor` is the last id of the previous page. */
export interface CabListQuery {
  status?: 'pending' | 'approved' | 'rejected' | 'withdrawn';
  cursor?: string;
  limit: number;
}

/** A validated approve or reject: the evidence hash the approver saw, and an optional (reject: required) comment. */
export interface CabDecisionRequest {
  evidenceHash: string;
  comment?: string;
}

/** The CAB queue: items opened by intent workflows at their approval gate; decisions go to the workflow as updates. */
export class CabService {
  /** `decisionKey`: EUCORA_DECISION_KEY; without it no decision can be signed, so none is sent (503). */
  constructor(
    private readonly items: CabItemStore,
    private readonly workflows: WorkflowStarter,
    private readonly decisionKey: DecisionKey | null = null,
  ) {}

  /** Newest request first; `cursor` is the `nextCursor` of the previous page. */
  async list(principal: Principal, f: CabListQuery): Promise<{ items: CabItemRow[]; nextCursor: string | null }> {
    const rows = await this.items.list(principal.tenantId, { status: f.status, afterId: f.cursor, limit: f.limit + 1 });
    const { page, next } = keysetPage(rows, f.limit, (last) => last.id);
    return { items: page, nextCursor: next };
  }

  async get(principal: Principal, id: string): Promise<CabItemRow> {
    const item = await this.items.findById(principal.tenantId, id);
    if (!item) throw new NotFoundError(`CAB item ${id} not found`);
    return item;
  }

  /**
   * Approves or rejects. The decision is signed for the workflow (actor, token, roles, item, evidence hash, time), which
   * verifies it and checks separation of duties, role, evidence hash and distinct approvers before recording it.
   */
  async decide(
    principal: Principal,
    id: string,
    kind: 'approve' | 'reject',
    input: CabDecisionRequest,
  ): Promise<CabDecisionResult & { item: CabItemRow }> {
    const item = await this.get(principal, id);
    if (!this.decisionKey) {
      const why = 'CAB decisions cannot be signed: EUCORA_DECISION_KEY is not configured on the API';
      throw new UpstreamUnavailableError(why, 'decision-key');
    }
    const decision = {
      actor: principal.actor,
      tokenId: principal.tokenId,
      roles: [...principal.roles],
      evidenceHash: input.evidenceHash,
      comment: input.comment,
    };
    const issuedAt = new Date().toISOString();
    const claims = { ...decision, kind, workflowId: item.workflowId, cabItemId: item.id, issuedAt, nonce: randomUUID() };
    const auth = signDecision(claims, this.decisionKey);
    const result = await this.workflows.decide(item.workflowId, kind, { ...decision, auth });
    // The workflow closes the item only after this update has answered; the decision's outcome is the item's status.
    const fresh = (await this.items.findById(principal.tenantId, id))!;
    return { ...result, item: { ...fresh, status: result.status === 'pending' ? fresh.status : result.status } };
  }
}
