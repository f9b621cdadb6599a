import { randomUUID } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';

/** A CAB item with its intent's headline and decisions so far. */
export interface CabItemRow {
  id: string;
  intentId: string;
  intentTitle: string;
  plane: string;
  status: string;
  riskScore: number;
  risk: Record<string, unknown>;
  policy: Record<string, unknown>;
  evidencePackId: string;
  evidenceHash: string;
  quorum: number;
  gateRing: number;
  emergency: boolean;
  submittedBy: string;
  requestedAt: string;
  decidedAt: string | null;
  workflowId: string;
  /**
   * Target snapshot of the intent (count, sha256, platform split, excluded/other-platform/stale counts, unknown groups,
   * snapshot and inventory-sync times, devices per ring); null for items opened before issue 10.
   */
  targets: Record<string, unknown> | null;
  decisions: { decision: string; actor: string; comment: string | null; evidenceHash: string; decidedAt: string }[];
}

const SELECT = `
  SELECT c.*, i.title AS intent_title, i.plane, i.workflow_id,
         COALESCE((SELECT json_agg(json_build_object('decision', d.decision, 'actor', d.actor, 'comment', d.comment,
                   'evidenceHash', d.evidence_hash, 'decidedAt', d.decided_at) ORDER BY d.decided_at)
                   FROM cab_decisions d WHERE d.cab_item_id = c.id), '[]') AS decisions
    FROM cab_items c JOIN deployment_intents i ON i.id = c.intent_id AND i.tenant_id = c.tenant_id`;

function map(r: Record<string, unknown>): CabItemRow {
  return {
    id: String(r.id),
    intentId: String(r.intent_id),
    intentTitle: String(r.intent_title),
    plane: String(r.plane),
    status: String(r.status),
    riskScore: Number(r.risk_score),
    risk: r.risk as Record<string, unknown>,
    policy: r.policy as Record<string, unknown>,
    evidencePackId: String(r.evidence_pack_id),
    evidenceHash: String(r.evidence_hash),
    quorum: Number(r.quorum),
    gateRing: Number(r.gate_ring),
    emergency: Boolean(r.emergency),
    submittedBy: String(r.submitted_by),
    requestedAt: new Date(r.requested_at as string).toISOString(),
    decidedAt: r.decided_at ? new Date(r.decided_at as string).toISOString() : null,
    workflowId: String(r.workflow_id),
    targets: (r.targets as Record<string, unknown> | null) ?? null,
    decisions: r.decisions as CabItemRow['decisions'],
  };
}

/** CAB items, scoped by tenant. */
export class CabRepository {
  constructor(private readonly ds: DataSource) {}

  /**
   * Newest request first, keyset-paginated on the cursor row's own (requested_at, id); `afterId` is the last id of the
   * previous page (an id of another tenant yields an empty page).
   */
  async list(tenantId: string, f: { status?: string; afterId?: string; limit: number }): Promise<CabItemRow[]> {
    const rows = await this.ds.query(
      `${SELECT} WHERE c.tenant_id = $1 AND ($2::text IS NULL OR c.status = $2)
         AND ($3::uuid IS NULL OR (c.requested_at, c.id) <
              (SELECT k.requested_at, k.id FROM cab_items k WHERE k.tenant_id = $1 AND k.id = $3))
       ORDER BY c.requested_at DESC, c.id DESC LIMIT $4`,
      [tenantId, f.status ?? null, f.afterId ?? null, f.limit],
    );
    return rows.map(map);
  }

  async findById(tenantId: string, id: string): Promise<CabItemRow | null> {
    const rows = await this.ds.query(`${SELECT} WHERE c.tenant_id = $1 AND c.id = $2`, [tenantId, id]);
    return rows[0] ? map(rows[0]) : null;
  }

  /**
   * Opens the intent's CAB item once: a retried open keeps the first item (one per intent). `targets` is the snapshot
   * headline as JSON (null for intents without one). Returns the stored item's id.
   */
  async openOnce(item: {
    tenantId: string;
    intentId: string;
    riskScore: number;
    risk: unknown;
    policy: unknown;
    evidencePackId: string;
    evidenceHash: string;
    quorum: number;
    gateRing: number;
    emergency: boolean;
    submittedBy: string;
    targets: string | null;
  }): Promise<{ id: string }> {
    await this.ds.query(
      `INSERT INTO cab_items (id, tenant_id, intent_id, status, risk_score, risk, policy, evidence_pack_id, evidence_hash, quorum,
                              gate_ring, emergency, submitted_by, targets)
       VALUES ($1,$2,$3,'pending',$4,$5,$6,$7,$8,$9,$10,$11,$12,$13) ON CONFLICT (tenant_id, intent_id) DO NOTHING`,
      [
        randomUUID(),
        item.tenantId,
        item.intentId,
        item.riskScore,
        JSON.stringify(item.risk),
        JSON.stringify(item.policy),
        item.evidencePackId,
        item.evidenceHash,
        item.quorum,
        item.gateRing,
        item.emergency,
        item.submittedBy,
        item.targets,
      ],
    );
    const rows: { id: string }[] = await this.ds.query(`SELECT id FROM cab_items WHERE tenant_id = $1 AND intent_id = $2`, [
      item.tenantId,
      item.intentId,
    ]);
    return { id: rows[0]!.id };
  }

  /**
   * Records one change manager's decision once (a retry by the same actor on the item records nothing new). Pass the
   * transaction's `em` to commit it together with its event.
   */
  async insertDecision(
    d: {
      tenantId: string;
      cabItemId: string;
      decision: 'approve' | 'reject';
      actor: string;
      tokenId: string;
      comment: string | null;
      evidenceHash: string;
      decidedAt: string;
    },
    em?: EntityManager,
  ): Promise<void> {
    await (em ?? this.ds).query(
      `INSERT INTO cab_decisions (id, tenant_id, cab_item_id, decision, actor, actor_token_id, comment, evidence_hash, decided_at)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9) ON CONFLICT (cab_item_id, actor) DO NOTHING`,
      [randomUUID(), d.tenantId, d.cabItemId, d.decision, d.actor, d.tokenId, d.comment, d.evidenceHash, d.decidedAt],
    );
  }

  /** Closes a pending item (`at`: decision time); an item already closed keeps its first outcome. */
  async closePending(tenantId: string, id: string, status: 'approved' | 'rejected' | 'withdrawn', at: string): Promise<void> {
    await this.ds.query(`UPDATE cab_items SET status = $3, decided_at = $4 WHERE tenant_id = $1 AND id = $2 AND status = 'pending'`, [
      tenantId,
      id,
      status,
      at,
    ]);
  }
}
