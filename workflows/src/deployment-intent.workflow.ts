import {
  ActivityFailure,
  ApplicationFailure,
  condition,
  patched,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { ApprovalEvidence, IntentState, RingEvidence } from '@eucora/core';
// Deep import on purpose: the package index also loads Node built-ins, which the workflow sandbox must not see.
import { ringVerdict, successPercent as percentOf } from '@eucora/core/dist/intents/ring-verdict';
import type { Assessment, IntentActivities, PlannedRing, RingStepInput } from './intent.activities';
import {
  approveUpdate,
  cancelSignal,
  DEFAULT_RING_TIMING,
  intentStateQuery,
  rejectUpdate,
  rollbackSignal,
  type CabDecisionInput,
  type DeploymentIntentInput,
  type IntentLiveState,
  type RingLiveState,
} from './intent.messages';

const NON_RETRYABLE = ['InputError', 'NotFoundError', 'ConflictError', 'NotAllowedError', 'UnauthenticatedError'];

const acts = proxyActivities<IntentActivities>({
  startToCloseTimeout: '60 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds', nonRetryableErrorTypes: NON_RETRYABLE },
});
// Streaming a large artifact from a URL takes a while; hashing is idempotent, so a retry simply starts over.
const artifactActs = proxyActivities<IntentActivities>({
  startToCloseTimeout: '30 minutes',
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '2 minutes', maximumAttempts: 5, nonRetryableErrorTypes: NON_RETRYABLE },
});
// Connector calls: the connector's own retry handles short blips; Temporal's retry, capped at 60 s between attempts,
// carries a long outage without multiplying requests (docs/resilience.md). A content upload (deployRing) runs for
// minutes; plane activities heartbeat every 5 s, so the heartbeat timeout, not the long start-to-close, notices a dead worker.
const planeActs = proxyActivities<IntentActivities>({
  startToCloseTimeout: '60 minutes',
  heartbeatTimeout: '30 seconds',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '60 seconds', nonRetryableErrorTypes: NON_RETRYABLE },
});

type Abort = { kind: 'cancel' | 'rollback' | 'reject'; actor: string; reason: string };

/**
 * The DeploymentIntent workflow: assess (risk + policy) → evidence pack → CAB gate where policy demands it → ring by ring
 * (blackout windows, deploy, poll with backoff, promote after soak, halt and roll back on failures) → completed or
 * rolled back. Cancel and manual rollback by signal; live state by query.
 */
export async function deploymentIntentWorkflow(input: DeploymentIntentInput): Promise<IntentLiveState> {
  const timing = { ...DEFAULT_RING_TIMING, ...(input.timing ?? {}) };
  const wfId = workflowInfo().workflowId;
  const key = (step: string) => `${wfId}:${step}`;
  const now = () => new Date(Date.now()).toISOString();
  const live: IntentLiveState = { state: 'submitted', step: 'submit', rings: [] };
  const base = { tenantId: input.tenantId, intentId: input.intentId, correlationId: input.correlationId };
  const approvals: ApprovalEvidence[] = [];
  const approvers = new Set<string>();
  const testEvidence: RingEvidence[] = [];
  const deployed: { ring: PlannedRing; deployment: Awaited<ReturnType<IntentActivities['deployRing']>> }[] = [];
  let abort: Abort | undefined;
  let packVersion = 0;
  let packHash: string | null = null;
  let packId = '';
  let gateOpen = false;

  const transition = async (to: IntentState | undefined, eventType: string, actor: string, reason: string, data: Record<string, unknown>, step: string) => {
    if (to) live.state = to;
    await acts.recordTransition({ ...base, to, eventType, actor, reason, data, dedupeKey: key(step) });
  };

  setHandler(intentStateQuery, () => live);
  setHandler(cancelSignal, (s) => void (abort ??= { kind: 'cancel', ...s }));
  setHandler(rollbackSignal, (s) => void (abort ??= { kind: 'rollback', ...s }));

  const validateDecision = (d: CabDecisionInput, kind: 'approve' | 'reject') => {
    if (!gateOpen || !live.gate) throw new Error('No CAB decision is pending for this intent');
    if (d.actor === input.submittedBy || (input.submittedByTokenId && d.tokenId === input.submittedByTokenId)) {
      throw new Error('Separation of duties: the submitter cannot decide their own change');
    }
    if (!d.roles.includes('change_manager')) throw new Error('Only change managers decide CAB items');
    if (d.evidenceHash !== live.gate.evidenceHash) throw new Error(`Stale evidence: the CAB item is bound to evidence ${live.gate.evidenceHash}`);
    if (kind === 'approve' && approvers.has(d.actor)) throw new Error(`${d.actor} has already approved`);
    if (kind === 'reject' && !d.comment?.trim()) throw new Error('A rejection needs a comment');
  };
  const decide = async (d: CabDecisionInput, decision: 'approve' | 'reject') => {
    const gate = live.gate!;
    const at = now();
    await acts.recordCabDecision({ ...base, cabItemId: gate.cabItemId, decision, actor: d.actor, tokenId: d.tokenId, comment: d.comment, evidenceHash: d.evidenceHash, decidedAt: at, dedupeKey: key(`cab:${decision}:${d.actor}`) });
    approvals.push({ actor: d.actor, decision, evidenceHash: d.evidenceHash, at, ...(d.comment ? { comment: d.comment } : {}) });
    if (decision === 'approve') {
      approvers.add(d.actor);
      gate.approvals.push(d.actor);
    } else {
      abort ??= { kind: 'reject', actor: d.actor, reason: d.comment ?? '' };
    }
    const status = decision === 'reject' ? 'rejected' : gate.approvals.length >= gate.quorum ? 'approved' : 'pending';
    return { approvals: gate.approvals.length, quorum: gate.quorum, status } as const;
  };
  setHandler(approveUpdate, (d) => decide(d, 'approve'), { validator: (d) => validateDecision(d, 'approve') });
  setHandler(rejectUpdate, (d) => decide(d, 'reject'), { validator: (d) => validateDecision(d, 'reject') });

  const writePack = async (assessment: Assessment) => {
    packVersion++;
    const res = await acts.writeEvidencePack({ tenantId: input.tenantId, intentId: input.intentId, version: packVersion, previousPackHash: packHash, createdAt: now(), testEvidence: [...testEvidence], approvals: [...approvals], assessment });
    packHash = res.sha256;
    packId = res.packId;
    live.evidenceHash = res.sha256;
  };

  const step = (ring: PlannedRing, name: string): RingStepInput => ({ ...base, ring, idempotencyKey: key(`ring:${ring.index}:${name}`) });

  const rollbackDeployed = async (why: string) => {
    live.state = 'rolling_back';
    await transition('rolling_back', 'intent.rolling_back', 'system:workflow', why, { action: 'rollback', rings: deployed.map((d) => d.ring.name) }, 'rolling_back');
    for (const d of [...deployed].reverse()) {
      await planeActs.rollbackRing({ ...step(d.ring, 'rollback'), deployment: d.deployment });
      const rs = live.rings[d.ring.index];
      if (rs) rs.status = 'rolled_back';
      await transition(undefined, 'ring.rolled_back', 'system:workflow', `Ring ${d.ring.name} rolled back (${why})`, { action: 'rollback_ring', outcome: 'uninstall_assigned', ring: d.ring.name }, `ring:${d.ring.index}:rolled_back`);
    }
  };

  const finishAbort = async (a: Abort): Promise<IntentLiveState> => {
    const final: IntentState = a.kind === 'cancel' ? 'cancelled' : a.kind === 'reject' ? 'rejected' : 'rolled_back';
    if (gateOpen && live.gate) {
      await acts.closeCabItem({ tenantId: input.tenantId, cabItemId: live.gate.cabItemId, status: a.kind === 'reject' ? 'rejected' : 'withdrawn', at: now() });
      gateOpen = false;
    }
    if (deployed.length > 0) await rollbackDeployed(`${a.kind} by ${a.actor}: ${a.reason}`);
    const verb = a.kind === 'cancel' ? 'cancelled' : a.kind === 'reject' ? 'rejected by CAB' : 'rolled back on request';
    await transition(final, `intent.${final}`, a.actor, `Intent ${verb}${a.reason ? `: ${a.reason}` : ''}`, { action: a.kind, outcome: final, ringsRolledBack: deployed.length }, `final:${final}`);
    return live;
  };

  try {
    await transition('submitted', 'intent.submitted', input.submittedBy, 'Deployment intent accepted and its workflow started', { action: 'start_workflow', outcome: 'started', workflowId: wfId }, 'submitted');

    live.state = 'assessing';
    live.step = 'assess';
    // Versioned with patched(): histories recorded before the artifact check replay without it.
    const artifactCheck = patched('artifact-check-v1') ? await artifactActs.checkArtifact(input.tenantId, input.intentId) : null;
    const assessment = await acts.assessIntent(input.tenantId, input.intentId, now(), artifactCheck);
    const { risk, policy } = assessment;
    live.riskScore = risk.score;
    live.decision = policy.decision;
    live.rings = assessment.rings.map((r) => ({ index: r.index, name: r.name, status: 'pending' }) as RingLiveState);
    await transition(
      'assessing',
      'intent.assessed',
      'system:risk-model',
      `Risk ${risk.score} (${risk.band}) by ${risk.modelVersion}; policy ${policy.policyVersion}: ${policy.decision}. ${policy.reasons.join(' ')}`,
      { action: 'assess', outcome: policy.decision, riskScore: risk.score, riskBand: risk.band, factors: risk.factors.map((f) => ({ name: f.name, contribution: f.contributionMilli / 1000, reason: f.reason })), policy },
      'assessed',
    );

    await writePack(assessment);
    await transition(undefined, 'evidence.recorded', 'system:evidence', `Evidence pack v${packVersion} stored (sha256 ${packHash})`, { action: 'write_evidence', outcome: 'stored', version: packVersion, sha256: packHash, packId }, `evidence:${packVersion}`);

    if (policy.decision === 'deny') {
      await transition('blocked', 'intent.blocked', 'system:policy', `Blocked by policy: ${policy.reasons.join(' ')}`, { action: 'block', outcome: 'blocked', reasons: policy.reasons }, 'blocked');
      return live;
    }
    if (abort) return await finishAbort(abort);

    if (assessment.notBefore && Date.parse(assessment.notBefore) > Date.now()) {
      live.step = 'waiting_not_before';
      await condition(() => abort !== undefined, Date.parse(assessment.notBefore) - Date.now());
      if (abort) return await finishAbort(abort);
    }

    await transition('rolling_out', 'intent.rollout_started', 'system:workflow', `Rollout through ${assessment.plane} in ${assessment.rings.length} ring(s)`, { action: 'start_rollout', rings: assessment.rings.map((r) => r.name) }, 'rollout_started');

    for (const ring of assessment.rings) {
      const rs = live.rings[ring.index]!;

      // CAB gate: policy names the first ring that may not start without approval.
      if (policy.approvalBeforeRing !== null && ring.index === policy.approvalBeforeRing) {
        if (testEvidence.length > 0) await writePack(assessment);
        const { cabItemId } = await acts.openCabItem({ tenantId: input.tenantId, intentId: input.intentId, evidencePackId: packId, evidenceHash: packHash!, quorum: policy.quorum, gateRing: ring.index, assessment, submittedBy: input.submittedBy });
        live.gate = { ring: ring.index, quorum: policy.quorum, approvals: [], cabItemId, evidenceHash: packHash! };
        gateOpen = true;
        await transition('awaiting_approval', 'cab.requested', 'system:policy', `Ring ${ring.name} waits for ${policy.quorum} CAB approval(s): ${policy.reasons.join(' ')}`, { action: 'request_approval', cabItemId, quorum: policy.quorum, gateRing: ring.index, evidenceHash: packHash }, 'cab:requested');
        live.step = 'awaiting_approval';
        await condition(() => abort !== undefined || live.gate!.approvals.length >= policy.quorum);
        if (abort) return await finishAbort(abort);
        gateOpen = false;
        await acts.closeCabItem({ tenantId: input.tenantId, cabItemId, status: 'approved', at: now() });
        await transition('rolling_out', 'cab.approved', live.gate.approvals.join(', '), `CAB approved by ${live.gate.approvals.join(' and ')} on evidence ${packHash}`, { action: 'approve', outcome: 'approved', approvers: live.gate.approvals, evidenceHash: packHash }, 'cab:approved');
      }

      // Blackout windows stop new rings from starting.
      for (;;) {
        const t = Date.now();
        const w = assessment.blackoutWindows.find((b) => Date.parse(b.start) <= t && t < Date.parse(b.end));
        if (!w) break;
        rs.status = 'waiting_blackout';
        await transition(undefined, 'ring.waiting_blackout', 'system:schedule', `Ring ${ring.name} waits for the blackout window to end at ${w.end}`, { action: 'wait', until: w.end }, `ring:${ring.index}:blackout:${w.start}`);
        await condition(() => abort !== undefined, Date.parse(w.end) - t);
        if (abort) return await finishAbort(abort);
      }

      rs.status = 'deploying';
      live.step = `ring:${ring.index}:deploy`;
      const baseline = await planeActs.ringBaseline(step(ring, 'baseline'));
      const deployment = await planeActs.deployRing(step(ring, 'deploy'));
      deployed.push({ ring, deployment });
      await transition(undefined, 'ring.deployed', 'system:workflow', `Ring ${ring.name} assigned to group ${ring.deviceGroup}${deployment.adopted ? ' (existing assignment adopted)' : ''}`, { action: 'deploy_ring', outcome: deployment.adopted ? 'adopted' : 'deployed', ring: ring.name, objectIds: deployment.objectIds }, `ring:${ring.index}:deployed`);

      rs.status = 'polling';
      let delay = timing.pollInitialMs;
      let heldSince: number | null = null;
      const startedAt = Date.now();
      let verdict: 'promoted' | 'halted' = 'halted';
      let counts = { targeted: 0, succeeded: 0, failed: 0, pending: 0, notApplicable: 0 };
      let polls = 0;
      for (;;) {
        if (await condition(() => abort !== undefined, delay)) break;
        counts = await planeActs.ringStatus({ ...step(ring, `status:${polls++}`), deployment, baseline });
        rs.counts = counts;
        const v = ringVerdict(counts, ring.successThreshold);
        if (v === 'failure') break;
        if (v === 'success') {
          heldSince ??= Date.now();
          const soakLeft = ring.soakSeconds * 1000 - (Date.now() - heldSince);
          if (soakLeft <= 0) {
            verdict = 'promoted';
            break;
          }
          rs.status = 'soaking';
          delay = Math.min(soakLeft, timing.pollMaxMs);
          continue;
        }
        heldSince = null;
        rs.status = 'polling';
        if (Date.now() - startedAt > timing.ringTimeoutSeconds * 1000) break;
        delay = Math.min(delay * 2, timing.pollMaxMs);
      }
      if (abort) return await finishAbort(abort);

      const applicable = counts.targeted - counts.notApplicable;
      const successPercent = percentOf(counts);
      testEvidence.push({ index: ring.index, name: ring.name, outcome: verdict, counts, successPercent, threshold: ring.successThreshold, at: now() });
      if (verdict === 'halted') {
        rs.status = 'halted';
        await transition(undefined, 'ring.halted', 'system:workflow', `Ring ${ring.name} halted: ${counts.failed} of ${applicable} devices failed (success ${successPercent}% < ${ring.successThreshold}%)`, { action: 'halt', outcome: 'halted', ring: ring.name, counts, successPercent, threshold: ring.successThreshold }, `ring:${ring.index}:halted`);
        await rollbackDeployed(`ring ${ring.name} failed its success threshold`);
        await writePack(assessment);
        await transition('rolled_back', 'intent.rolled_back', 'system:workflow', `Rolled back after ring ${ring.name} failed; evidence v${packVersion}`, { action: 'rollback', outcome: 'rolled_back', evidenceHash: packHash }, 'final:rolled_back');
        return live;
      }
      rs.status = 'promoted';
      await transition(undefined, 'ring.promoted', 'system:workflow', `Ring ${ring.name} promoted: ${successPercent}% ≥ ${ring.successThreshold}% of ${applicable} devices${ring.soakSeconds ? ` held for ${ring.soakSeconds}s` : ''}`, { action: 'promote', outcome: 'promoted', ring: ring.name, counts, successPercent, threshold: ring.successThreshold }, `ring:${ring.index}:promoted`);
    }

    await writePack(assessment);
    await transition('completed', 'intent.completed', 'system:workflow', `All ${assessment.rings.length} rings promoted; final evidence v${packVersion}`, { action: 'complete', outcome: 'completed', evidenceHash: packHash, postImplementationReview: policy.postImplementationReview }, 'final:completed');
    return live;
  } catch (err) {
    if (err instanceof ActivityFailure && err.cause instanceof ApplicationFailure && err.cause.nonRetryable) {
      const reason = err.cause.message;
      if (deployed.length > 0) await rollbackDeployed(`permanent error: ${reason}`);
      await transition('failed', 'intent.failed', 'system:workflow', `Failed: ${reason}`, { action: 'fail', outcome: 'failed', error: err.cause.type }, 'final:failed');
      return live;
    }
    throw err;
  }
}
