import { proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { IntentActivities } from './intent.activities';
import { intentStateQuery, type DeploymentIntentInput, type IntentLiveState } from './intent.messages';

const { recordTransition, assessIntent } = proxyActivities<IntentActivities>({
  startToCloseTimeout: '30 seconds',
  retry: {
    initialInterval: '1 second',
    backoffCoefficient: 2,
    maximumInterval: '30 seconds',
    // Domain errors a retry cannot fix fail the activity at once.
    nonRetryableErrorTypes: ['InputError', 'NotFoundError', 'ConflictError', 'NotAllowedError'],
  },
});

/**
 * The DeploymentIntent workflow. This walking skeleton records submission and assessment; risk, policy,
 * evidence, the CAB gate and the ring loop are added by the lifecycle issue.
 */
export async function deploymentIntentWorkflow(input: DeploymentIntentInput): Promise<IntentLiveState> {
  const live: IntentLiveState = { state: 'submitted', step: 'submit' };
  setHandler(intentStateQuery, () => live);
  // Activity dedupe keys derive from the workflow id and step, so retries and replays never duplicate events.
  const key = (step: string) => `${workflowInfo().workflowId}:${step}`;
  const base = { tenantId: input.tenantId, intentId: input.intentId, correlationId: input.correlationId };

  await recordTransition({
    ...base,
    to: 'submitted',
    eventType: 'intent.submitted',
    actor: input.submittedBy,
    reason: 'Deployment intent accepted and its workflow started',
    data: { action: 'start_workflow', outcome: 'started', workflowId: workflowInfo().workflowId },
    dedupeKey: key('submitted'),
  });

  live.state = 'assessing';
  live.step = 'assess';
  const summary = await assessIntent(input.tenantId, input.intentId);

  live.state = 'assessed';
  live.step = 'assessed';
  await recordTransition({
    ...base,
    to: 'assessed',
    eventType: 'intent.assessed',
    actor: 'system:workflow',
    reason: `Intent read back for ${summary.plane} with ${summary.ringCount} ring(s); risk scoring and policy are not yet part of the skeleton`,
    data: { action: 'assess', outcome: 'recorded', ...summary },
    dedupeKey: key('assessed'),
  });
  return live;
}
