import { proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import type { DecisionActivities } from '../decision.activities';
import type { IntentActivities } from '../intent.activities';

const NON_RETRYABLE = ['InputError', 'NotFoundError', 'ConflictError', 'NotAllowedError', 'UnauthenticatedError'];

/** Database and evidence activities: short, retried up to 30 s apart. */
export const acts = proxyActivities<IntentActivities>({
  startToCloseTimeout: '60 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds', nonRetryableErrorTypes: NON_RETRYABLE },
});
// Streaming a large artifact from a URL takes a while; hashing is idempotent, so a retry simply starts over.
/** The artifact check: up to 30 minutes, 5 attempts. */
export const artifactActs = proxyActivities<IntentActivities>({
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
/** Plane (connector) activities: heartbeat 30 s, start-to-close 60 minutes, retried up to 60 s apart. */
export const planeActs = proxyActivities<IntentActivities>({
  startToCloseTimeout: '60 minutes',
  heartbeatTimeout: '30 seconds',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '60 seconds', nonRetryableErrorTypes: NON_RETRYABLE },
});

// The signature check needs the worker's key, so it runs in the worker (local activity: no task-queue round trip).
/** CAB decision signature check (local activity, 3 attempts). */
export const verifier = proxyLocalActivities<DecisionActivities>({ startToCloseTimeout: '10 seconds', retry: { maximumAttempts: 3 } });
