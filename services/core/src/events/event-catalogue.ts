// The catalogue of every event EUCORA records, with the exact `data` each one stores. Type-only imports: the workflow
// sandbox uses these types, and the runtime part below has no dependency at all. docs/events.md lists the same types
// (a test keeps the two in step).
import type { IntentState } from '../intents/intent.schema';
import type { RingCounts } from '../intents/ring-verdict';
import type { PolicyDecision } from '../policy/policy';
import type { RiskResult } from '../risk/risk-model';
import type { Role } from '../tenancy/roles';

/** A ring's verdict numbers, as stored on ring.promoted and ring.halted. */
type RingVerdictData = { ring: string; counts: RingCounts; successPercent: number; threshold: number };

/** An intent's end after an abort (cancel, CAB rejection, manual rollback): how many deployed rings were rolled back. */
type AbortData<A extends 'cancel' | 'reject' | 'rollback', O extends IntentState> = { action: A; outcome: O; ringsRolledBack: number };

/** The second part of a risk exception's event type, stored as its `action`. */
export type ExceptionEventAction = 'requested' | 'approved' | 'rejected';
/** A risk exception's event data; `action` repeats the type's second part. */
type ExceptionData<A extends ExceptionEventAction> = { action: A; packageName: string; findingIds: string[]; expiresAt: string };

/** One signed CAB decision. */
type CabDecisionData<A extends 'approve' | 'reject'> = { action: A; cabItemId: string; evidenceHash: string; decidedAt: string };

/** Every event type with its `data`. Keys are the stored `event_type` strings; values are exactly what `data` holds. */
export interface EventDataMap {
  // Deployment intent (aggregate `deployment_intent`), recorded by the DeploymentIntent workflow.
  'intent.submitted': { action: 'start_workflow'; outcome: 'started'; workflowId: string };
  'intent.assessed': {
    action: 'assess';
    outcome: PolicyDecision['decision'];
    riskScore: number;
    riskBand: RiskResult['band'];
    /** Contribution in points (the model's milli-points / 1000). */
    factors: { name: string; contribution: number; reason: string }[];
    policy: PolicyDecision;
  };
  'intent.blocked': { action: 'block'; outcome: 'blocked'; reasons: string[] };
  'intent.rollout_started': { action: 'start_rollout'; rings: string[] };
  'intent.rolling_back': { action: 'rollback'; rings: string[] };
  /** After a halted ring: the final evidence hash; after a manual rollback: the rolled-back ring count. */
  'intent.rolled_back': { action: 'rollback'; outcome: 'rolled_back'; evidenceHash: string | null } | AbortData<'rollback', 'rolled_back'>;
  'intent.cancelled': AbortData<'cancel', 'cancelled'>;
  'intent.rejected': AbortData<'reject', 'rejected'>;
  'intent.completed': { action: 'complete'; outcome: 'completed'; evidenceHash: string | null; postImplementationReview: boolean };
  /** `error` is the permanent failure's type (e.g. `InputError`). */
  'intent.failed': { action: 'fail'; outcome: 'failed'; error?: string | null };
  'evidence.recorded': { action: 'write_evidence'; outcome: 'stored'; version: number; sha256: string | null; packId: string };
  'cab.requested': { action: 'request_approval'; cabItemId: string; quorum: number; gateRing: number; evidenceHash: string | null };
  'cab.approved': { action: 'approve'; outcome: 'approved'; approvers: string[]; evidenceHash: string | null };
  // Recorded by the worker's intent store with each signed CAB decision.
  'cab.approval_recorded': CabDecisionData<'approve'>;
  'cab.rejection_recorded': CabDecisionData<'reject'>;
  'ring.waiting_blackout': { action: 'wait'; until: string };
  'ring.deployed': { action: 'deploy_ring'; outcome: 'deployed' | 'adopted'; ring: string; objectIds: Record<string, string> };
  /**
   * `membership` when the target snapshot put no device in the ring (skipped before deploy); `graceSeconds` when the
   * plane reported no applicable device for that long after the deploy.
   */
  'ring.skipped': {
    action: 'skip_ring';
    outcome: 'skipped';
    ring: string;
    counts: RingCounts;
    membership?: { count: 0; sha256: string | null };
    graceSeconds?: number;
  };
  'ring.promoted': { action: 'promote'; outcome: 'promoted' } & RingVerdictData;
  'ring.halted': { action: 'halt'; outcome: 'halted' } & RingVerdictData;
  'ring.rolled_back': { action: 'rollback_ring'; outcome: 'uninstall_assigned'; ring: string };
  // Risk exceptions (aggregate `exception`), recorded by the API; `action` is the type's second part.
  'exception.requested': ExceptionData<'requested'>;
  'exception.approved': ExceptionData<'approved'>;
  'exception.rejected': ExceptionData<'rejected'>;
  // API tokens (aggregate `api_token`).
  'token.created': { action: 'issue_token'; outcome: 'issued'; roles: Role[] };
  'token.disabled': { action: 'disable_token'; outcome: 'disabled' };
  'token.rotated': { action: 'rotate_token'; outcome: 'rotated'; replacedBy: string };
  // Connector configuration (aggregate `connector`, id = plane); credentials are never in an event.
  'connector.configured': { action: 'configure'; baseUrl: string; settings: Record<string, string> };
  'connector.removed': { action: 'remove' };
}

/** Every stored event type string. */
export type EventType = keyof EventDataMap;

/** The `data` stored with events of type `T`. */
export type EventData<T extends EventType> = EventDataMap[T];

/** One event of the catalogue: a discriminated union on `type`. */
export type EucoraEvent = { [T in EventType]: { type: T; data: EventData<T> } }[EventType];

/**
 * The event fields of a stored envelope (`eventType` and `data`), discriminated on `eventType`, so `data` is checked
 * against its type. `T` narrows to a subset (default: every type).
 */
export type EventInput<T extends EventType = EventType> = { [K in T]: { eventType: K; data: EventData<K> } }[T];

/** Types of the deployment intent aggregate (recorded by the workflow and the worker's intent store). */
export type IntentEventType = Extract<EventType, `intent.${string}` | `ring.${string}` | `cab.${string}` | `evidence.${string}`>;

/** An event of the deployment intent aggregate, in the `{ type, data }` form. */
export type IntentEvent = Extract<EucoraEvent, { type: IntentEventType }>;

/** Types of the exception aggregate. */
export type ExceptionEventType = Extract<EventType, `exception.${string}`>;

/** What the intent store adds to an event's `data` when its transition changes the intent's state. */
export type StateChangeData = { fromState?: IntentState; toState?: IntentState };

/** Named constants for every event type, for filters and tests (e.g. `EventTypes.ringHalted`). */
export const EventTypes = {
  intentSubmitted: 'intent.submitted',
  intentAssessed: 'intent.assessed',
  intentBlocked: 'intent.blocked',
  intentRolloutStarted: 'intent.rollout_started',
  intentRollingBack: 'intent.rolling_back',
  intentRolledBack: 'intent.rolled_back',
  intentCancelled: 'intent.cancelled',
  intentRejected: 'intent.rejected',
  intentCompleted: 'intent.completed',
  intentFailed: 'intent.failed',
  evidenceRecorded: 'evidence.recorded',
  cabRequested: 'cab.requested',
  cabApproved: 'cab.approved',
  cabApprovalRecorded: 'cab.approval_recorded',
  cabRejectionRecorded: 'cab.rejection_recorded',
  ringWaitingBlackout: 'ring.waiting_blackout',
  ringDeployed: 'ring.deployed',
  ringSkipped: 'ring.skipped',
  ringPromoted: 'ring.promoted',
  ringHalted: 'ring.halted',
  ringRolledBack: 'ring.rolled_back',
  exceptionRequested: 'exception.requested',
  exceptionApproved: 'exception.approved',
  exceptionRejected: 'exception.rejected',
  tokenCreated: 'token.created',
  tokenDisabled: 'token.disabled',
  tokenRotated: 'token.rotated',
  connectorConfigured: 'connector.configured',
  connectorRemoved: 'connector.removed',
} as const satisfies Record<string, EventType>;

type Listed = (typeof EventTypes)[keyof typeof EventTypes];
// Fails the build, naming the type, when a catalogue type has no constant above (the `satisfies` catches the reverse).
const _everyTypeListed: [Exclude<EventType, Listed>] extends [never] ? true : Exclude<EventType, Listed> = true;

/** Every event type, in catalogue order. */
export const EVENT_TYPES: readonly EventType[] = Object.freeze(Object.values(EventTypes));

/** True when `s` is a catalogue event type. */
export function isEventType(s: string): s is EventType {
  return (EVENT_TYPES as readonly string[]).includes(s);
}
