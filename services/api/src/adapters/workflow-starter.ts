import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import { WORKFLOW_TYPES, type DeploymentIntentInput } from '@eucora/workflows';

/** Starts intent workflows; implemented with Temporal, replaceable in router tests that do not need a worker. */
export interface WorkflowStarter {
  /** Starts the workflow `workflowId` unless it already exists (then does nothing). */
  startIntent(workflowId: string, input: DeploymentIntentInput): Promise<void>;
}

/** `WorkflowStarter` over a Temporal client. */
export class TemporalWorkflowStarter implements WorkflowStarter {
  constructor(private readonly client: Client, private readonly taskQueue: string) {}

  async startIntent(workflowId: string, input: DeploymentIntentInput): Promise<void> {
    try {
      await this.client.workflow.start(WORKFLOW_TYPES.deploymentIntent, {
        taskQueue: this.taskQueue,
        workflowId,
        args: [input],
        // A workflow id is used once: a finished intent is never re-run by a late retry.
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
        memo: { tenantId: input.tenantId, intentId: input.intentId, correlationId: input.correlationId },
      });
    } catch (err) {
      if (err instanceof WorkflowExecutionAlreadyStartedError) return;
      throw err;
    }
  }
}
