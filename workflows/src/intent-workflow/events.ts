// Pure helpers of the DeploymentIntent workflow: no Temporal API, no I/O, so they are deterministic by construction.
import type { IntentEvent, IntentState } from '@eucora/core';
import type { Assessment } from '../intent.activities';
import type { CabDecisionResult, IntentLiveState } from '../intent.messages';

/** A stop requested by signal (cancel, rollback) or by a CAB rejection; the first one wins. */
export type Abort = { kind: 'cancel' | 'rollback' | 'reject'; actor: string; reason: string };

/** One recorded step: an optional state change and its catalogue event; `step` names it in the dedupe key. */
export type Transition = { to?: IntentState; event: IntentEvent; actor: string; reason: string; step: string };

/** The final event of an abort: one catalogue type per kind, each with its action, outcome and rolled-back ring count. */
export function abortEvent(kind: Abort['kind'], ringsRolledBack: number): IntentEvent {
  switch (kind) {
    case 'cancel':
      return { type: 'intent.cancelled', data: { action: 'cancel', outcome: 'cancelled', ringsRolledBack } };
    case 'reject':
      return { type: 'intent.rejected', data: { action: 'reject', outcome: 'rejected', ringsRolledBack } };
    case 'rollback':
      return { type: 'intent.rolled_back', data: { action: 'rollback', outcome: 'rolled_back', ringsRolledBack } };
  }
}

/** The terminal state an abort ends in, and the verb its reason uses. */
export function abortOutcome(kind: Abort['kind']): { final: IntentState; verb: string } {
  const final: IntentState = kind === 'cancel' ? 'cancelled' : kind === 'reject' ? 'rejected' : 'rolled_back';
  const verb = kind === 'cancel' ? 'cancelled' : kind === 'reject' ? 'rejected by CAB' : 'rolled back on request';
  return { final, verb };
}

/** The blackout window containing instant `t` (ms), if any: windows are half-open [start, end). */
export function activeBlackout(windows: Assessment['blackoutWindows'], t: number): Assessment['blackoutWindows'][number] | undefined {
  return windows.find((b) => Date.parse(b.start) <= t && t < Date.parse(b.end));
}

/** What a recorded decision answers: the approvals so far against the quorum. */
export function decisionResult(gate: NonNullable<IntentLiveState['gate']>, decision: 'approve' | 'reject'): CabDecisionResult {
  const status = decision === 'reject' ? 'rejected' : gate.approvals.length >= gate.quorum ? 'approved' : 'pending';
  return { approvals: gate.approvals.length, quorum: gate.quorum, status };
}
