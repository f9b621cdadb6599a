import {
  ActivityFailure,
  allHandlersFinished,
  ApplicationFailure,
  condition,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { ApprovalEvidence, IntentEvent, IntentState, RingEvidence } from '@eucora/core';
// Deep import on purpose: the package index also loads Node built-ins, which the workflow sandbox must not see.
import { ringVerdict, successPercent as percentOf } from '@eucora/core/dist/intents/ring-verdict';
import type { Assessment, IntentActivities, PlannedRing, RingStepInput, TransitionInput } from './intent.activities';
import type { DecisionActivities } from './decision.activities';
import {
  approveUpdate,
  cancelSignal,
  DecisionFailure,
  DEFAULT_DECISION_MAX_AGE_SECONDS,
  DEFAULT_RING_TIMING,
  intentStateQuery,
  rejectUpdate,
  rollbackSignal,
  type CabDecisionInput,
  type CabDecisionResult,
  type DecisionFailureType,
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
  retry: {
    initialInterval: '5 seconds',
    backoffCoefficient: 2,
    maximumInterval: '2 minutes',
    maximumAttempts: 5,
    nonRetryableErrorTypes: NON_RETRYABLE,
  },
});
// Connector calls: the connector's own retry handles short blips; Temporal's retry, capped at 60 s between attempts,
// carries a long outage without multiplying requests (docs/resilience.md). A content upload (deployRing) runs for
// minutes; plane activities heartbeat every 5 s, so the heartbeat timeout, not the long start-to-close, notices a dead worker.
const planeActs = proxyActivities<IntentActivities>({
  startToCloseTimeout: '60 minutes',
  heartbeatTimeout: '30 seconds',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '60 seconds', nonRetryableErrorTypes: NON_RETRYABLE },
});

// The signature check needs the worker's key, so it runs in the worker (local activity: no task-queue round trip).
const verifier = proxyLocalActivities<DecisionActivities>({ startToCloseTimeout: '10 seconds', retry: { maximumAttempts: 3 } });

type Abort = { kind: 'cancel' | 'rollback' | 'reject'; actor: string; reason: string };

/** One recorded step: an optional state change and its catalogue event; `step` names it in the dedupe key. */
type Transition = { to?: IntentState; event: IntentEvent; actor: string; reason: string; step: string };

/** The final event of an abort: one catalogue type per kind, each with its action, outcome and rolled-back ring count. */
function abortEvent(kind: Abort['kind'], ringsRolledBack: number): IntentEvent {
  switch (kind) {
    case 'cancel':
      return { type: 'intent.cancelled', data: { action: 'cancel', outcome: 'cancelled', ringsRolledBack } };
    case 'reject':
      return { type: 'intent.rejected', data: { action: 'reject', outcome: 'rejected', ringsRolledBack } };
    case 'rollback':
      return { type: 'intent.rolled_back', data: { action: 'rollback', outcome: 'rolled_back', ringsRolledBack } };
  }
}

const refuse = (type: DecisionFailureType, message: string) => ApplicationFailure.create({ type, message, nonRetryable: true });
const SIGNATURE_SHAPE = /^[a-f0-9]{64}$/;

/**
 * The DeploymentIntent workflow: assess (risk + policy) → evidence pack → CAB gate where policy demands it → ring by ring
 * (blackout windows, deploy, poll with backoff, promote after soak, skip empty rings, halt and roll back on failures) →
 * completed or rolled back. Cancel and manual rollback by signal; signed CAB decisions by update; live state by query.
 */
export async function deploymentIntentWorkflow(input: DeploymentIntentInput): Promise<IntentLiveState> {
  const live = await lifecycle(input);
  // A decision still in its handler (e.g. verifying while the intent was cancelled) finishes before the run closes, so its
  // caller gets an answer instead of an abandoned update. Versioned: older runs closed without waiting.
  if (patched('await-handlers-v1')) await condition(allHandlersFinished);
  return live;
}

async function lifecycle(input: DeploymentIntentInput): Promise<IntentLiveState> {
  const timing = { ...DEFAULT_RING_TIMING, ...(input.timing ?? {}) };
  const wfId = workflowInfo().workflowId;
  const key = (step: string) => `${wfId}:${step}`;
  const now = () => new Date(Date.now()).toISOString();
  const live: IntentLiveState = { state: 'submitted', step: 'submit', rings: [] };
  const base = { tenantId: input.tenantId, intentId: input.intentId, correlationId: input.correlationId };
  const approvals: ApprovalEvidence[] = [];
  const testEvidence: RingEvidence[] = [];
  const deployed: { ring: PlannedRing; deployment: Awaited<ReturnType<IntentActivities['deployRing']>> }[] = [];
  let abort: Abort | undefined;
  let packVersion = 0;
  let packHash: string | null = null;
  let packId = '';
  let gateOpen = false;

  const transition = async ({ to, event, actor, reason, step }: Transition) => {
    if (to) live.state = to;
    // `event` already ties data to type; TypeScript loses that link across the rename to eventType/data, hence the cast.
    // Field order as before, so activity inputs in history keep their shape.
    const input = { ...base, to, eventType: event.type, actor, reason, data: event.data, dedupeKey: key(step) } as TransitionInput;
    await acts.recordTransition(input);
  };

  setHandler(intentStateQuery, () => live);
  setHandler(cancelSignal, (s) => void (abort ??= { kind: 'cancel', ...s }));
  setHandler(rollbackSignal, (s) => void (abort ??= { kind: 'rollback', ...s }));

  // Approvers with a decision recorded or in flight. Reserved synchronously at the start of the handler, before any await,
  // so N parallel approvals by one person count once; released when the decision is refused or cannot be recorded.
  const reserved = new Set<string>();
  const maxAgeMs = (input.decisionMaxAgeSeconds ?? DEFAULT_DECISION_MAX_AGE_SECONDS) * 1000;

  // Rules on the gate's current state; run by the validator and again in the handler after every await (state may move).
  const checkDecision = (d: CabDecisionInput, kind: 'approve' | 'reject') => {
    if (!gateOpen || !live.gate) throw refuse(DecisionFailure.NoPendingDecision, 'No CAB decision is pending for this intent');
    if (d.actor === input.submittedBy || (input.submittedByTokenId && d.tokenId === input.submittedByTokenId)) {
      throw refuse(DecisionFailure.SeparationOfDutiesViolation, 'Separation of duties: the submitter cannot decide their own change');
    }
    if (!Array.isArray(d.roles) || !d.roles.includes('change_manager')) {
      throw refuse(DecisionFailure.NotChangeManager, 'Only change managers decide CAB items');
    }
    if (d.evidenceHash !== live.gate.evidenceHash) {
      throw refuse(DecisionFailure.StaleEvidence, `Stale evidence: the CAB item is bound to evidence ${live.gate.evidenceHash}`);
    }
    if (kind === 'approve' && reserved.has(d.actor)) throw refuse(DecisionFailure.AlreadyApproved, `${d.actor} has already approved`);
    if (kind === 'reject' && !d.comment?.trim()) throw refuse(DecisionFailure.CommentRequired, 'A rejection needs a comment');
  };
  // The validator refuses unsigned and stale decisions before they are accepted into history; the MAC itself is checked by
  // the worker (the key never enters the workflow).
  const validateDecision = (d: CabDecisionInput, kind: 'approve' | 'reject') => {
    const a = d.auth;
    const shaped = !!a && typeof a === 'object' && typeof a.mac === 'string' && SIGNATURE_SHAPE.test(a.mac);
    if (!shaped || typeof a.keyId !== 'string' || typeof a.nonce !== 'string') {
      throw refuse(DecisionFailure.BadDecisionSignature, 'The decision is not signed by the EUCORA API');
    }
    const at = Date.parse(a.issuedAt);
    if (!Number.isFinite(at) || Date.now() - at > maxAgeMs || at - Date.now() > 60_000) {
      throw refuse(DecisionFailure.StaleDecision, 'The decision was signed too long ago; send it again');
    }
    checkDecision(d, kind);
  };
  const record = async (d: CabDecisionInput, decision: 'approve' | 'reject', gate: NonNullable<IntentLiveState['gate']>) => {
    const at = now();
    await acts.recordCabDecision({
      ...base,
      cabItemId: gate.cabItemId,
      decision,
      actor: d.actor,
      tokenId: d.tokenId,
      comment: d.comment,
      evidenceHash: d.evidenceHash,
      decidedAt: at,
      dedupeKey: key(`cab:${decision}:${d.actor}`),
    });
    approvals.push({ actor: d.actor, decision, evidenceHash: d.evidenceHash, at, ...(d.comment ? { comment: d.comment } : {}) });
  };
  const result = (gate: NonNullable<IntentLiveState['gate']>, decision: 'approve' | 'reject'): CabDecisionResult => {
    const status = decision === 'reject' ? 'rejected' : gate.approvals.length >= gate.quorum ? 'approved' : 'pending';
    return { approvals: gate.approvals.length, quorum: gate.quorum, status };
  };
  // Histories recorded before decisions were signed and reserved: record first, then count (replays exactly as recorded).
  const decideV1 = async (d: CabDecisionInput, decision: 'approve' | 'reject') => {
    const gate = live.gate!;
    await record(d, decision, gate);
    if (decision === 'approve') {
      reserved.add(d.actor);
      gate.approvals.push(d.actor);
    } else {
      abort ??= { kind: 'reject', actor: d.actor, reason: d.comment ?? '' };
    }
    return result(gate, decision);
  };
  const decide = async (d: CabDecisionInput, decision: 'approve' | 'reject'): Promise<CabDecisionResult> => {
    if (!patched('cab-signed-reserved-v2')) return decideV1(d, decision);
    checkDecision(d, decision);
    const gate = live.gate!;
    const reservedHere = decision === 'approve';
    if (reservedHere) reserved.add(d.actor);
    try {
      const verdict = await verifier.verifyCabDecision({ kind: decision, workflowId: wfId, cabItemId: gate.cabItemId, decision: d });
      if (!verdict.ok) {
        throw verdict.reason === 'stale' || verdict.reason === 'future'
          ? refuse(DecisionFailure.StaleDecision, 'The decision was signed too long ago; send it again')
          : refuse(DecisionFailure.BadDecisionSignature, 'The decision is not signed by the EUCORA API');
      }
      // The gate may have closed (quorum, cancel) or moved on while the signature was checked.
      if (reservedHere) reserved.delete(d.actor);
      checkDecision(d, decision);
      if (reservedHere) reserved.add(d.actor);
      await record(d, decision, gate);
    } catch (err) {
      if (reservedHere) reserved.delete(d.actor);
      throw err;
    }
    if (decision === 'approve') gate.approvals.push(d.actor);
    else abort ??= { kind: 'reject', actor: d.actor, reason: d.comment ?? '' };
    return result(gate, decision);
  };
  setHandler(approveUpdate, (d) => decide(d, 'approve'), { validator: (d) => validateDecision(d, 'approve') });
  setHandler(rejectUpdate, (d) => decide(d, 'reject'), { validator: (d) => validateDecision(d, 'reject') });

  const writePack = async (assessment: Assessment) => {
    packVersion++;
    // Where each deployed ring's bytes went, from the deploy results this run already holds.
    const deliveries = deployed.map((d) => ({ ring: d.ring.index, plane: assessment.plane, objectIds: d.deployment.objectIds ?? {} }));
    const res = await acts.writeEvidencePack({
      tenantId: input.tenantId,
      intentId: input.intentId,
      version: packVersion,
      previousPackHash: packHash,
      createdAt: now(),
      testEvidence: [...testEvidence],
      approvals: [...approvals],
      assessment,
      deliveries,
    });
    packHash = res.sha256;
    packId = res.packId;
    live.evidenceHash = res.sha256;
  };

  const skippedNote = () => {
    const n = testEvidence.filter((e) => e.outcome === 'skipped').length;
    return n ? ` or skipped (${n} had no applicable device)` : '';
  };
  const step = (ring: PlannedRing, name: string): RingStepInput => ({ ...base, ring, idempotencyKey: key(`ring:${ring.index}:${name}`) });

  const rollbackDeployed = async (why: string) => {
    live.state = 'rolling_back';
    await transition({
      to: 'rolling_back',
      event: { type: 'intent.rolling_back', data: { action: 'rollback', rings: deployed.map((d) => d.ring.name) } },
      actor: 'system:workflow',
      reason: why,
      step: 'rolling_back',
    });
    for (const d of [...deployed].reverse()) {
      await planeActs.rollbackRing({ ...step(d.ring, 'rollback'), deployment: d.deployment });
      const rs = live.rings[d.ring.index];
      if (rs) rs.status = 'rolled_back';
      await transition({
        event: { type: 'ring.rolled_back', data: { action: 'rollback_ring', outcome: 'uninstall_assigned', ring: d.ring.name } },
        actor: 'system:workflow',
        reason: `Ring ${d.ring.name} rolled back (${why})`,
        step: `ring:${d.ring.index}:rolled_back`,
      });
    }
  };

  const finishAbort = async (a: Abort): Promise<IntentLiveState> => {
    const final: IntentState = a.kind === 'cancel' ? 'cancelled' : a.kind === 'reject' ? 'rejected' : 'rolled_back';
    if (gateOpen && live.gate) {
      await acts.closeCabItem({
        tenantId: input.tenantId,
        cabItemId: live.gate.cabItemId,
        status: a.kind === 'reject' ? 'rejected' : 'withdrawn',
        at: now(),
      });
      gateOpen = false;
    }
    if (deployed.length > 0) await rollbackDeployed(`${a.kind} by ${a.actor}: ${a.reason}`);
    const verb = a.kind === 'cancel' ? 'cancelled' : a.kind === 'reject' ? 'rejected by CAB' : 'rolled back on request';
    await transition({
      to: final,
      event: abortEvent(a.kind, deployed.length),
      actor: a.actor,
      reason: `Intent ${verb}${a.reason ? `: ${a.reason}` : ''}`,
      step: `final:${final}`,
    });
    return live;
  };

  try {
    await transition({
      to: 'submitted',
      event: { type: 'intent.submitted', data: { action: 'start_workflow', outcome: 'started', workflowId: wfId } },
      actor: input.submittedBy,
      reason: 'Deployment intent accepted and its workflow started',
      step: 'submitted',
    });

    live.state = 'assessing';
    live.step = 'assess';
    // Versioned with patched(): histories recorded before the artifact check replay without it.
    const artifactCheck = patched('artifact-check-v1') ? await artifactActs.checkArtifact(input.tenantId, input.intentId) : null;
    const assessment = await acts.assessIntent(input.tenantId, input.intentId, now(), artifactCheck);
    const { risk, policy } = assessment;
    live.riskScore = risk.score;
    live.decision = policy.decision;
    live.rings = assessment.rings.map((r) => ({ index: r.index, name: r.name, status: 'pending' }) as RingLiveState);
    await transition({
      to: 'assessing',
      event: {
        type: 'intent.assessed',
        data: {
          action: 'assess',
          outcome: policy.decision,
          riskScore: risk.score,
          riskBand: risk.band,
          factors: risk.factors.map((f) => ({ name: f.name, contribution: f.contributionMilli / 1000, reason: f.reason })),
          policy,
        },
      },
      actor: 'system:risk-model',
      reason:
        `Risk ${risk.score} (${risk.band}) by ${risk.modelVersion}; ` +
        `policy ${policy.policyVersion}: ${policy.decision}. ${policy.reasons.join(' ')}`,
      step: 'assessed',
    });

    await writePack(assessment);
    await transition({
      event: {
        type: 'evidence.recorded',
        data: { action: 'write_evidence', outcome: 'stored', version: packVersion, sha256: packHash, packId },
      },
      actor: 'system:evidence',
      reason: `Evidence pack v${packVersion} stored (sha256 ${packHash})`,
      step: `evidence:${packVersion}`,
    });

    if (policy.decision === 'deny') {
      await transition({
        to: 'blocked',
        event: { type: 'intent.blocked', data: { action: 'block', outcome: 'blocked', reasons: policy.reasons } },
        actor: 'system:policy',
        reason: `Blocked by policy: ${policy.reasons.join(' ')}`,
        step: 'blocked',
      });
      return live;
    }
    if (abort) return await finishAbort(abort);

    if (assessment.notBefore && Date.parse(assessment.notBefore) > Date.now()) {
      live.step = 'waiting_not_before';
      await condition(() => abort !== undefined, Date.parse(assessment.notBefore) - Date.now());
      if (abort) return await finishAbort(abort);
    }

    await transition({
      to: 'rolling_out',
      event: { type: 'intent.rollout_started', data: { action: 'start_rollout', rings: assessment.rings.map((r) => r.name) } },
      actor: 'system:workflow',
      reason: `Rollout through ${assessment.plane} in ${assessment.rings.length} ring(s)`,
      step: 'rollout_started',
    });

    for (const ring of assessment.rings) {
      const rs = live.rings[ring.index]!;

      // CAB gate: policy names the first ring that may not start without approval.
      if (policy.approvalBeforeRing !== null && ring.index === policy.approvalBeforeRing) {
        if (testEvidence.length > 0) await writePack(assessment);
        const { cabItemId } = await acts.openCabItem({
          tenantId: input.tenantId,
          intentId: input.intentId,
          evidencePackId: packId,
          evidenceHash: packHash!,
          quorum: policy.quorum,
          gateRing: ring.index,
          assessment,
          submittedBy: input.submittedBy,
        });
        live.gate = { ring: ring.index, quorum: policy.quorum, approvals: [], cabItemId, evidenceHash: packHash! };
        gateOpen = true;
        await transition({
          to: 'awaiting_approval',
          event: {
            type: 'cab.requested',
            data: { action: 'request_approval', cabItemId, quorum: policy.quorum, gateRing: ring.index, evidenceHash: packHash },
          },
          actor: 'system:policy',
          reason: `Ring ${ring.name} waits for ${policy.quorum} CAB approval(s): ${policy.reasons.join(' ')}`,
          step: 'cab:requested',
        });
        live.step = 'awaiting_approval';
        await condition(() => abort !== undefined || live.gate!.approvals.length >= policy.quorum);
        if (abort) return await finishAbort(abort);
        gateOpen = false;
        await acts.closeCabItem({ tenantId: input.tenantId, cabItemId, status: 'approved', at: now() });
        await transition({
          to: 'rolling_out',
          event: {
            type: 'cab.approved',
            data: { action: 'approve', outcome: 'approved', approvers: live.gate.approvals, evidenceHash: packHash },
          },
          actor: live.gate.approvals.join(', '),
          reason: `CAB approved by ${live.gate.approvals.join(' and ')} on evidence ${packHash}`,
          step: 'cab:approved',
        });
      }

      // Blackout windows stop new rings from starting.
      for (;;) {
        const t = Date.now();
        const w = assessment.blackoutWindows.find((b) => Date.parse(b.start) <= t && t < Date.parse(b.end));
        if (!w) break;
        rs.status = 'waiting_blackout';
        await transition({
          event: { type: 'ring.waiting_blackout', data: { action: 'wait', until: w.end } },
          actor: 'system:schedule',
          reason: `Ring ${ring.name} waits for the blackout window to end at ${w.end}`,
          step: `ring:${ring.index}:blackout:${w.start}`,
        });
        await condition(() => abort !== undefined, Date.parse(w.end) - t);
        if (abort) return await finishAbort(abort);
      }

      // A ring EUCORA gave no device at assessment has nothing to deploy or wait for: skipped at once, with the reason.
      // Only rings with a snapshot carry a count, so histories recorded before it never reach the patch.
      if (ring.deviceCount === 0 && patched('ring-membership-skip-v1')) {
        const zero = { targeted: 0, succeeded: 0, failed: 0, pending: 0, notApplicable: 0 };
        rs.status = 'skipped';
        rs.counts = zero;
        testEvidence.push({
          index: ring.index,
          name: ring.name,
          outcome: 'skipped',
          counts: zero,
          successPercent: 0,
          threshold: ring.successThreshold,
          at: now(),
        });
        const why =
          ring.deviceGroup !== ring.name ? `group ${ring.deviceGroup} ∩ targets is empty` : 'its share of the targets is 0 devices';
        await transition({
          event: {
            type: 'ring.skipped',
            data: {
              action: 'skip_ring',
              outcome: 'skipped',
              ring: ring.name,
              counts: zero,
              membership: { count: 0, sha256: ring.sha256 ?? null },
            },
          },
          actor: 'system:workflow',
          reason: `Ring ${ring.name} skipped: the target snapshot put no device in it (${why})`,
          step: `ring:${ring.index}:skipped`,
        });
        continue;
      }

      rs.status = 'deploying';
      live.step = `ring:${ring.index}:deploy`;
      // The deploy request was fixed at assessment; old assessments lack it and the activity reads it from the intent.
      const { deployRequest } = assessment;
      const baseline = await planeActs.ringBaseline({ ...step(ring, 'baseline'), deployRequest });
      const deployment = await planeActs.deployRing({ ...step(ring, 'deploy'), deployRequest });
      deployed.push({ ring, deployment });
      await transition({
        event: {
          type: 'ring.deployed',
          data: {
            action: 'deploy_ring',
            outcome: deployment.adopted ? 'adopted' : 'deployed',
            ring: ring.name,
            objectIds: deployment.objectIds,
          },
        },
        actor: 'system:workflow',
        reason: `Ring ${ring.name} assigned to group ${ring.deviceGroup}${deployment.adopted ? ' (existing assignment adopted)' : ''}`,
        step: `ring:${ring.index}:deployed`,
      });

      rs.status = 'polling';
      let delay = timing.pollInitialMs;
      let heldSince: number | null = null;
      const startedAt = Date.now();
      let verdict: 'promoted' | 'halted' | 'skipped' = 'halted';
      let counts = { targeted: 0, succeeded: 0, failed: 0, pending: 0, notApplicable: 0 };
      let polls = 0;
      for (;;) {
        if (await condition(() => abort !== undefined, delay)) break;
        counts = await planeActs.ringStatus({ ...step(ring, `status:${polls++}`), deployment, baseline });
        rs.counts = counts;
        const v = ringVerdict(counts, ring.successThreshold);
        if (v === 'failure') break;
        // A ring with no applicable device can never reach its threshold: after a grace period (a plane may report
        // membership late) it is skipped instead of timing out and rolling back every earlier ring. Versioned: older runs
        // kept polling.
        const empty = counts.targeted - counts.notApplicable <= 0 && Date.now() - startedAt >= timing.emptyRingGraceSeconds * 1000;
        if (empty && patched('empty-ring-skip-v1')) {
          verdict = 'skipped';
          break;
        }
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
      testEvidence.push({
        index: ring.index,
        name: ring.name,
        outcome: verdict,
        counts,
        successPercent,
        threshold: ring.successThreshold,
        at: now(),
      });
      if (verdict === 'skipped') {
        rs.status = 'skipped';
        const why = counts.targeted === 0 ? 'no device is targeted' : `all ${counts.targeted} targeted devices are not applicable`;
        const grace = timing.emptyRingGraceSeconds;
        await transition({
          event: { type: 'ring.skipped', data: { action: 'skip_ring', outcome: 'skipped', ring: ring.name, counts, graceSeconds: grace } },
          actor: 'system:workflow',
          reason: `Ring ${ring.name} skipped: ${why} (group ${ring.deviceGroup}) ${grace}s after its deploy`,
          step: `ring:${ring.index}:skipped`,
        });
        continue;
      }
      if (verdict === 'halted') {
        rs.status = 'halted';
        await transition({
          event: {
            type: 'ring.halted',
            data: { action: 'halt', outcome: 'halted', ring: ring.name, counts, successPercent, threshold: ring.successThreshold },
          },
          actor: 'system:workflow',
          reason:
            `Ring ${ring.name} halted: ${counts.failed} of ${applicable} devices failed ` +
            `(success ${successPercent}% < ${ring.successThreshold}%)`,
          step: `ring:${ring.index}:halted`,
        });
        await rollbackDeployed(`ring ${ring.name} failed its success threshold`);
        await writePack(assessment);
        await transition({
          to: 'rolled_back',
          event: { type: 'intent.rolled_back', data: { action: 'rollback', outcome: 'rolled_back', evidenceHash: packHash } },
          actor: 'system:workflow',
          reason: `Rolled back after ring ${ring.name} failed; evidence v${packVersion}`,
          step: 'final:rolled_back',
        });
        return live;
      }
      rs.status = 'promoted';
      const held = ring.soakSeconds ? ` held for ${ring.soakSeconds}s` : '';
      await transition({
        event: {
          type: 'ring.promoted',
          data: { action: 'promote', outcome: 'promoted', ring: ring.name, counts, successPercent, threshold: ring.successThreshold },
        },
        actor: 'system:workflow',
        reason: `Ring ${ring.name} promoted: ${successPercent}% ≥ ${ring.successThreshold}% of ${applicable} devices${held}`,
        step: `ring:${ring.index}:promoted`,
      });
    }

    await writePack(assessment);
    await transition({
      to: 'completed',
      event: {
        type: 'intent.completed',
        data: {
          action: 'complete',
          outcome: 'completed',
          evidenceHash: packHash,
          postImplementationReview: policy.postImplementationReview,
        },
      },
      actor: 'system:workflow',
      reason: `All ${assessment.rings.length} rings promoted${skippedNote()}; final evidence v${packVersion}`,
      step: 'final:completed',
    });
    return live;
  } catch (err) {
    if (err instanceof ActivityFailure && err.cause instanceof ApplicationFailure && err.cause.nonRetryable) {
      const reason = err.cause.message;
      if (deployed.length > 0) await rollbackDeployed(`permanent error: ${reason}`);
      await transition({
        to: 'failed',
        event: { type: 'intent.failed', data: { action: 'fail', outcome: 'failed', error: err.cause.type } },
        actor: 'system:workflow',
        reason: `Failed: ${reason}`,
        step: 'final:failed',
      });
      return live;
    }
    throw err;
  }
}
