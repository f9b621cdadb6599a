import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { IntentState, Role } from '@eucora/core';

/** Timing knobs of the ring loop; defaults suit production, tests shorten them. */
export interface RingTiming {
  /** First status poll after a deploy, ms; doubles up to `pollMaxMs`. Default 2000. */
  pollInitialMs: number;
  /** Longest gap between polls, ms. Default 60 000. */
  pollMaxMs: number;
  /** A ring that neither promotes nor fails within this long is halted, seconds. Default 86 400. */
  ringTimeoutSeconds: number;
  /** A ring with no applicable device this long after its deploy is skipped, seconds. Default 600. */
  emptyRingGraceSeconds: number;
}

export const DEFAULT_RING_TIMING: RingTiming = {
  pollInitialMs: 2000,
  pollMaxMs: 60_000,
  ringTimeoutSeconds: 86_400,
  emptyRingGraceSeconds: 600,
};

/** Oldest signed decision the workflow's validator accepts when the input names no limit, seconds. */
export const DEFAULT_DECISION_MAX_AGE_SECONDS = 300;

/** Input of the DeploymentIntent workflow: identifiers only, the spec is read from PostgreSQL by activities. */
export interface DeploymentIntentInput {
  tenantId: string;
  intentId: string;
  /** Actor name of the submitter. */
  submittedBy: string;
  /** Token id of the submitter: separation of duties compares both. */
  submittedByTokenId?: string;
  correlationId: string;
  timing?: Partial<RingTiming>;
  /** Oldest signed CAB decision accepted, seconds; default `DEFAULT_DECISION_MAX_AGE_SECONDS`. Not a secret. */
  decisionMaxAgeSeconds?: number;
}

/** A CAB decision sent by the API after it authenticated the caller. */
export interface CabDecisionInput {
  actor: string;
  tokenId: string;
  roles: Role[];
  /** Hash of the evidence pack the decision is about; must be the one the CAB item shows. */
  evidenceHash: string;
  comment?: string;
  /** The API's HMAC over the decision (core `signDecision`); unsigned or badly signed decisions are refused. */
  auth?: { v: number; keyId: string; issuedAt: string; nonce: string; mac: string };
}

/**
 * `ApplicationFailure.type` of every refused decision; the API maps them by type (403, 409, 400, 503), never by message.
 * Thrown by the update validators or, after the signature check, by the handlers.
 */
export const DecisionFailure = {
  NoPendingDecision: 'NoPendingDecision',
  SeparationOfDutiesViolation: 'SeparationOfDutiesViolation',
  NotChangeManager: 'NotChangeManager',
  StaleEvidence: 'StaleEvidence',
  AlreadyApproved: 'AlreadyApproved',
  CommentRequired: 'CommentRequired',
  /** No, malformed, unknown-key or wrong MAC. */
  BadDecisionSignature: 'BadDecisionSignature',
  /** Signed too long ago (or too far in the future). */
  StaleDecision: 'StaleDecision',
} as const;
export type DecisionFailureType = (typeof DecisionFailure)[keyof typeof DecisionFailure];

/** Result of an accepted decision. */
export interface CabDecisionResult {
  approvals: number;
  quorum: number;
  status: 'pending' | 'approved' | 'rejected';
}

/** A ring as the live state shows it. */
export interface RingLiveState {
  index: number;
  name: string;
  status: 'pending' | 'waiting_blackout' | 'deploying' | 'polling' | 'soaking' | 'promoted' | 'skipped' | 'halted' | 'rolled_back';
  counts?: { targeted: number; succeeded: number; failed: number; pending: number; notApplicable: number };
}

/** Live state of a running intent workflow. */
export interface IntentLiveState {
  state: IntentState;
  step: string;
  riskScore?: number;
  decision?: string;
  evidenceHash?: string;
  gate?: { ring: number; quorum: number; approvals: string[]; cabItemId: string; evidenceHash: string };
  rings: RingLiveState[];
}

/** Query: the workflow's live state. */
export const intentStateQuery = defineQuery<IntentLiveState>('intentState');
/** Update: a change manager approves (validated: not the submitter, a change manager, current evidence hash). */
export const approveUpdate = defineUpdate<CabDecisionResult, [CabDecisionInput]>('approve');
/** Update: a change manager rejects, with a comment. */
export const rejectUpdate = defineUpdate<CabDecisionResult, [CabDecisionInput]>('reject');
/** Signal: cancel the rollout (deployed rings are rolled back). */
export const cancelSignal = defineSignal<[{ actor: string; reason: string }]>('cancel');
/** Signal: roll back everything deployed so far, now. */
export const rollbackSignal = defineSignal<[{ actor: string; reason: string }]>('rollback');
