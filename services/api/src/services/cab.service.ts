import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { z } from 'zod';
import {
  InputError,
  inputErrorFromZod,
  NotFoundError,
  signDecision,
  UpstreamUnavailableError,
  type DecisionKey,
  type Principal,
} from '@eucora/core';
import { CabRepository, type CabItemRow } from '@eucora/persistence';
import type { CabDecisionResult } from '@eucora/workflows';
import type { WorkflowStarter } from '../adapters/workflow-starter';

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const sha = z.string().regex(/^[a-f0-9]{64}$/, 'must be the evidence pack SHA-256 shown on the CAB item');

export const approveSchema = z.object({ evidenceHash: sha, comment: z.string().trim().max(4000).optional() }).strict();
export const rejectSchema = z.object({ evidenceHash: sha, comment: z.string().trim().min(1, 'a rejection needs a comment').max(4000) }).strict();

const listQuerySchema = z
  .object({
    status: z.enum(['pending', 'approved', 'rejected', 'withdrawn', 'all']).default('pending'),
    cursor: z.string().uuid('must be the nextCursor of a previous page').optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
  })
  .strict();

/** The CAB queue: items opened by intent workflows at their approval gate; decisions go to the workflow as updates. */
export class CabService {
  private readonly items: CabRepository;

  /** `decisionKey`: EUCORA_DECISION_KEY; without it no decision can be signed, so none is sent (503). */
  constructor(ds: DataSource, private readonly workflows: WorkflowStarter, private readonly decisionKey: DecisionKey | null = null) {
    this.items = new CabRepository(ds);
  }

  /** Newest request first; `status` defaults to `pending`; `cursor` is the `nextCursor` of the previous page. */
  async list(principal: Principal, q: Record<string, unknown>): Promise<{ items: CabItemRow[]; nextCursor: string | null }> {
    const parsed = listQuerySchema.safeParse(q);
    if (!parsed.success) throw inputErrorFromZod(parsed.error, 'query');
    const f = parsed.data;
    const status = f.status === 'all' ? undefined : f.status;
    const rows = await this.items.list(principal.tenantId, { status, afterId: f.cursor, limit: f.limit + 1 });
    const page = rows.slice(0, f.limit);
    return { items: page, nextCursor: rows.length > f.limit ? page.at(-1)!.id : null };
  }

  async get(principal: Principal, id: string): Promise<CabItemRow> {
    if (!UUID_RE.test(id)) throw new InputError('Invalid CAB item id', [{ path: 'id', message: 'must be a UUID' }]);
    const item = await this.items.findById(principal.tenantId, id);
    if (!item) throw new NotFoundError(`CAB item ${id} not found`);
    return item;
  }

  /**
   * Approves or rejects. The decision is signed for the workflow (actor, token, roles, item, evidence hash, time), which
   * verifies it and checks separation of duties, role, evidence hash and distinct approvers before recording it.
   */
  async decide(principal: Principal, id: string, kind: 'approve' | 'reject', body: unknown): Promise<CabDecisionResult & { item: CabItemRow }> {
    const parsed = (kind === 'approve' ? approveSchema : rejectSchema).safeParse(body ?? {});
    if (!parsed.success) throw inputErrorFromZod(parsed.error, `${kind} request`);
    const item = await this.get(principal, id);
    if (!this.decisionKey) {
      const why = 'CAB decisions cannot be signed: EUCORA_DECISION_KEY is not configured on the API';
      throw new UpstreamUnavailableError(why, 'decision-key');
    }
    const decision = {
      actor: principal.actor,
      tokenId: principal.tokenId,
      roles: [...principal.roles],
      evidenceHash: parsed.data.evidenceHash,
      comment: parsed.data.comment,
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
