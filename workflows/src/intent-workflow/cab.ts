import { ApplicationFailure, condition, patched, setHandler } from '@temporalio/workflow';
import type { Assessment, PlannedRing } from '../intent.activities';
import {
  approveUpdate,
  DecisionFailure,
  DEFAULT_DECISION_MAX_AGE_SECONDS,
  rejectUpdate,
  type CabDecisionInput,
  type CabDecisionResult,
  type DecisionFailureType,
  type IntentLiveState,
} from '../intent.messages';
import { acts, verifier } from './activities';
import { decisionResult } from './events';
import type { IntentRun } from './run';

const refuse = (type: DecisionFailureType, message: string) => ApplicationFailure.create({ type, message, nonRetryable: true });
const SIGNATURE_SHAPE = /^[a-f0-9]{64}$/;

/** Registers the approve / reject updates: signed decisions by change managers, separation of duties, one vote each. */
export function registerCabDecisions(run: IntentRun): void {
  const { input, live } = run;
  // Approvers with a decision recorded or in flight. Reserved synchronously at the start of the handler, before any await,
  // so N parallel approvals by one person count once; released when the decision is refused or cannot be recorded.
  const reserved = new Set<string>();
  const maxAgeMs = (input.decisionMaxAgeSeconds ?? DEFAULT_DECISION_MAX_AGE_SECONDS) * 1000;

  // Rules on the gate's current state; run by the validator and again in the handler after every await (state may move).
  const checkDecision = (d: CabDecisionInput, kind: 'approve' | 'reject') => {
    if (!run.gateOpen || !live.gate) throw refuse(DecisionFailure.NoPendingDecision, 'No CAB decision is pending for this intent');
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
    const at = run.now();
    await acts.recordCabDecision({
      ...run.base,
      cabItemId: gate.cabItemId,
      decision,
      actor: d.actor,
      tokenId: d.tokenId,
      comment: d.comment,
      evidenceHash: d.evidenceHash,
      decidedAt: at,
      dedupeKey: run.key(`cab:${decision}:${d.actor}`),
    });
    run.approvals.push({ actor: d.actor, decision, evidenceHash: d.evidenceHash, at, ...(d.comment ? { comment: d.comment } : {}) });
  };
  // Histories recorded before decisions were signed and reserved: record first, then count (replays exactly as recorded).
  const decideV1 = async (d: CabDecisionInput, decision: 'approve' | 'reject') => {
    const gate = live.gate!;
    await record(d, decision, gate);
    if (decision === 'approve') {
      reserved.add(d.actor);
      gate.approvals.push(d.actor);
    } else {
      run.abort ??= { kind: 'reject', actor: d.actor, reason: d.comment ?? '' };
    }
    return decisionResult(gate, decision);
  };
  const decide = async (d: CabDecisionInput, decision: 'approve' | 'reject'): Promise<CabDecisionResult> => {
    if (!patched('cab-signed-reserved-v2')) return decideV1(d, decision);
    checkDecision(d, decision);
    const gate = live.gate!;
    const reservedHere = decision === 'approve';
    if (reservedHere) reserved.add(d.actor);
    try {
      const verdict = await verifier.verifyCabDecision({ kind: decision, workflowId: run.wfId, cabItemId: gate.cabItemId, decision: d });
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
    else run.abort ??= { kind: 'reject', actor: d.actor, reason: d.comment ?? '' };
    return decisionResult(gate, decision);
  };
  setHandler(approveUpdate, (d) => decide(d, 'approve'), { validator: (d) => validateDecision(d, 'approve') });
  setHandler(rejectUpdate, (d) => decide(d, 'reject'), { validator: (d) => validateDecision(d, 'reject') });
}

/**
 * The CAB gate before `ring`: a fresh evidence pack if rings already ran, a CAB item bound to its hash, then a wait for the
 * quorum. Returns the final state when an abort ended the run, undefined when approved.
 */
export async function cabGate(run: IntentRun, ring: PlannedRing, assessment: Assessment): Promise<IntentLiveState | undefined> {
  const { input, live } = run;
  const { policy } = assessment;
  if (run.testEvidence.length > 0) await run.writePack(assessment);
  const { cabItemId } = await acts.openCabItem({
    tenantId: input.tenantId,
    intentId: input.intentId,
    evidencePackId: run.packId,
    evidenceHash: run.packHash!,
    quorum: policy.quorum,
    gateRing: ring.index,
    assessment,
    submittedBy: input.submittedBy,
  });
  live.gate = { ring: ring.index, quorum: policy.quorum, approvals: [], cabItemId, evidenceHash: run.packHash! };
  run.gateOpen = true;
  await run.transition({
    to: 'awaiting_approval',
    event: {
      type: 'cab.requested',
      data: { action: 'request_approval', cabItemId, quorum: policy.quorum, gateRing: ring.index, evidenceHash: run.packHash },
    },
    actor: 'system:policy',
    reason: `Ring ${ring.name} waits for ${policy.quorum} CAB approval(s): ${policy.reasons.join(' ')}`,
    step: 'cab:requested',
  });
  live.step = 'awaiting_approval';
  await condition(() => run.abort !== undefined || live.gate!.approvals.length >= policy.quorum);
  if (run.abort) return await run.finishAbort(run.abort);
  run.gateOpen = false;
  await acts.closeCabItem({ tenantId: input.tenantId, cabItemId, status: 'approved', at: run.now() });
  await run.transition({
    to: 'rolling_out',
    event: {
      type: 'cab.approved',
      data: { action: 'approve', outcome: 'approved', approvers: live.gate.approvals, evidenceHash: run.packHash },
    },
    actor: live.gate.approvals.join(', '),
    reason: `CAB approved by ${live.gate.approvals.join(' and ')} on evidence ${run.packHash}`,
    step: 'cab:approved',
  });
  return undefined;
}
