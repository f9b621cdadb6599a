import { workflowInfo } from '@temporalio/workflow';
import type { ApprovalEvidence, RingEvidence } from '@eucora/core';
import type { Assessment, IntentActivities, PlannedRing, RingStepInput, TransitionInput } from '../intent.activities';
import { DEFAULT_RING_TIMING, type DeploymentIntentInput, type IntentLiveState } from '../intent.messages';
import { acts, planeActs } from './activities';
import { abortEvent, abortOutcome, type Abort, type Transition } from './events';

/** A ring deployed in this run, with what the plane returned (rolled back in reverse order). */
export type DeployedRing = { ring: PlannedRing; deployment: Awaited<ReturnType<IntentActivities['deployRing']>> };

/**
 * One DeploymentIntent run's state, shared by the workflow's parts (lifecycle, CAB gate, rings): the live state the query
 * returns, the evidence gathered so far, the evidence pack chain and the first abort requested. Only workflow code uses it.
 */
export class IntentRun {
  readonly timing;
  readonly wfId = workflowInfo().workflowId;
  readonly live: IntentLiveState = { state: 'submitted', step: 'submit', rings: [] };
  readonly base;
  readonly approvals: ApprovalEvidence[] = [];
  readonly testEvidence: RingEvidence[] = [];
  readonly deployed: DeployedRing[] = [];
  abort: Abort | undefined;
  packVersion = 0;
  packHash: string | null = null;
  packId = '';
  /** A CAB item is open and takes decisions. */
  gateOpen = false;

  constructor(readonly input: DeploymentIntentInput) {
    this.timing = { ...DEFAULT_RING_TIMING, ...(input.timing ?? {}) };
    this.base = { tenantId: input.tenantId, intentId: input.intentId, correlationId: input.correlationId };
  }

  /** The dedupe key of a step: stable across retries and replays of this workflow. */
  key(step: string): string {
    return `${this.wfId}:${step}`;
  }

  /** Workflow time (deterministic) as ISO 8601. */
  now(): string {
    return new Date(Date.now()).toISOString();
  }

  /** For `condition()`: an abort was requested. */
  readonly aborted = (): boolean => this.abort !== undefined;

  async transition({ to, event, actor, reason, step }: Transition): Promise<void> {
    if (to) this.live.state = to;
    // `event` already ties data to type; TypeScript loses that link across the rename to eventType/data, hence the cast.
    // Field order as before, so activity inputs in history keep their shape.
    const input = {
      ...this.base,
      to,
      eventType: event.type,
      actor,
      reason,
      data: event.data,
      dedupeKey: this.key(step),
    } as TransitionInput;
    await acts.recordTransition(input);
  }

  /** Writes the next evidence pack version, chained to the previous one by hash. */
  async writePack(assessment: Assessment): Promise<void> {
    this.packVersion++;
    // Where each deployed ring's bytes went, from the deploy results this run already holds.
    const deliveries = this.deployed.map((d) => ({ ring: d.ring.index, plane: assessment.plane, objectIds: d.deployment.objectIds ?? {} }));
    const res = await acts.writeEvidencePack({
      tenantId: this.input.tenantId,
      intentId: this.input.intentId,
      version: this.packVersion,
      previousPackHash: this.packHash,
      createdAt: this.now(),
      testEvidence: [...this.testEvidence],
      approvals: [...this.approvals],
      assessment,
      deliveries,
    });
    this.packHash = res.sha256;
    this.packId = res.packId;
    this.live.evidenceHash = res.sha256;
  }

  skippedNote(): string {
    const n = this.testEvidence.filter((e) => e.outcome === 'skipped').length;
    return n ? ` or skipped (${n} had no applicable device)` : '';
  }

  step(ring: PlannedRing, name: string): RingStepInput {
    return { ...this.base, ring, idempotencyKey: this.key(`ring:${ring.index}:${name}`) };
  }

  async rollbackDeployed(why: string): Promise<void> {
    this.live.state = 'rolling_back';
    await this.transition({
      to: 'rolling_back',
      event: { type: 'intent.rolling_back', data: { action: 'rollback', rings: this.deployed.map((d) => d.ring.name) } },
      actor: 'system:workflow',
      reason: why,
      step: 'rolling_back',
    });
    for (const d of [...this.deployed].reverse()) {
      await planeActs.rollbackRing({ ...this.step(d.ring, 'rollback'), deployment: d.deployment });
      const rs = this.live.rings[d.ring.index];
      if (rs) rs.status = 'rolled_back';
      await this.transition({
        event: { type: 'ring.rolled_back', data: { action: 'rollback_ring', outcome: 'uninstall_assigned', ring: d.ring.name } },
        actor: 'system:workflow',
        reason: `Ring ${d.ring.name} rolled back (${why})`,
        step: `ring:${d.ring.index}:rolled_back`,
      });
    }
  }

  /** Ends the run on an abort: withdraws or rejects an open CAB item, rolls back deployed rings, records the final event. */
  async finishAbort(a: Abort): Promise<IntentLiveState> {
    const { final, verb } = abortOutcome(a.kind);
    if (this.gateOpen && this.live.gate) {
      await acts.closeCabItem({
        tenantId: this.input.tenantId,
        cabItemId: this.live.gate.cabItemId,
        status: a.kind === 'reject' ? 'rejected' : 'withdrawn',
        at: this.now(),
      });
      this.gateOpen = false;
    }
    if (this.deployed.length > 0) await this.rollbackDeployed(`${a.kind} by ${a.actor}: ${a.reason}`);
    await this.transition({
      to: final,
      event: abortEvent(a.kind, this.deployed.length),
      actor: a.actor,
      reason: `Intent ${verb}${a.reason ? `: ${a.reason}` : ''}`,
      step: `final:${final}`,
    });
    return this.live;
  }
}
