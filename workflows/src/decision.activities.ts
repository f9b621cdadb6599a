import { decisionKeyFrom, verifyDecision, type DecisionKey, type DecisionVerdict } from '@eucora/core';
import type { CabDecisionInput } from './intent.messages';

/** What the workflow asks the verifier: the decision as received, bound to this workflow's id and open CAB item. */
export interface VerifyDecisionInput {
  kind: 'approve' | 'reject';
  workflowId: string;
  cabItemId: string;
  decision: CabDecisionInput;
}

/** Settings of the decision verifier. */
export interface DecisionVerifierOptions {
  /** Base64 keys accepted (current, then previous); none configured = every decision is refused. */
  keys: readonly (string | undefined)[];
  /** Oldest accepted decision, seconds; default 300. */
  maxAgeSeconds?: number;
}

/**
 * Activities that check a CAB decision's signature. Run as a local activity from the update handler: the key stays in the
 * worker's memory and never enters workflow history, and the check runs before the decision is reserved or recorded.
 */
export function createDecisionActivities(o: DecisionVerifierOptions) {
  const keys: DecisionKey[] = o.keys.filter((k): k is string => !!k).map(decisionKeyFrom);
  return {
    async verifyCabDecision(input: VerifyDecisionInput): Promise<DecisionVerdict> {
      const d = input.decision;
      return verifyDecision(
        {
          kind: input.kind,
          workflowId: input.workflowId,
          cabItemId: input.cabItemId,
          actor: d.actor,
          tokenId: d.tokenId,
          roles: d.roles,
          evidenceHash: d.evidenceHash,
          comment: d.comment,
        },
        d.auth,
        { keys, nowMs: Date.now(), maxAgeSeconds: o.maxAgeSeconds ?? 300 },
      );
    },
  };
}

export type DecisionActivities = ReturnType<typeof createDecisionActivities>;
