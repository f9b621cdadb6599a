import {
  ActivityFailure,
  ApplicationFailure,
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  type Client,
} from '@temporalio/client';
import { ConflictError, InputError, NotAllowedError, UpstreamUnavailableError } from '@eucora/core';
import {
  approveUpdate,
  cancelSignal,
  DecisionFailure,
  rejectUpdate,
  rollbackSignal,
  WORKFLOW_TYPES,
  type CabDecisionInput,
  type CabDecisionResult,
  type DecisionFailureType,
  type DeploymentIntentInput,
} from '@eucora/workflows';

/** How each typed refusal of a CAB decision maps to a domain error (and so to an HTTP status). */
const DECISION_REFUSALS: Record<DecisionFailureType, (message: string) => Error> = {
  [DecisionFailure.SeparationOfDutiesViolation]: (m) => new NotAllowedError(m),
  [DecisionFailure.NotChangeManager]: (m) => new NotAllowedError(m),
  [DecisionFailure.StaleEvidence]: (m) => new ConflictError(m),
  [DecisionFailure.AlreadyApproved]: (m) => new ConflictError(m),
  [DecisionFailure.NoPendingDecision]: (m) => new ConflictError(m),
  [DecisionFailure.CommentRequired]: (m) => new InputError(m, [{ path: 'comment', message: 'a rejection needs a comment' }]),
  // The API signed it: a refusal means API and worker disagree on EUCORA_DECISION_KEY or their clocks, not a bad request.
  [DecisionFailure.BadDecisionSignature]: () =>
    new UpstreamUnavailableError('The worker could not authenticate the decision (check EUCORA_DECISION_KEY)', 'decision-key'),
  [DecisionFailure.StaleDecision]: () =>
    new UpstreamUnavailableError('The decision expired before the workflow received it; send it again', 'temporal'),
};

/** Talks to intent workflows; implemented with Temporal. */
export interface WorkflowStarter {
  /** Starts the workflow `workflowId` unless it already exists (then does nothing). */
  startIntent(workflowId: string, input: DeploymentIntentInput): Promise<void>;
  /** Sends cancel or rollback; `ConflictError` when the workflow is no longer running. */
  signal(workflowId: string, kind: 'cancel' | 'rollback', payload: { actor: string; reason: string }): Promise<void>;
  /** Runs the approve/reject update; the workflow's validator refusals become domain errors. */
  decide(workflowId: string, kind: 'approve' | 'reject', decision: CabDecisionInput): Promise<CabDecisionResult>;
}

/** `WorkflowStarter` over a Temporal client. */
export class TemporalWorkflowStarter implements WorkflowStarter {
  constructor(
    private readonly client: Client,
    private readonly taskQueue: string,
  ) {}

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

  async signal(workflowId: string, kind: 'cancel' | 'rollback', payload: { actor: string; reason: string }): Promise<void> {
    const handle = this.client.workflow.getHandle(workflowId);
    const desc = await handle.describe().catch((err) => {
      if (err instanceof WorkflowNotFoundError) throw new ConflictError('The intent has no running workflow');
      throw err;
    });
    if (desc.status.name !== 'RUNNING')
      throw new ConflictError(`The intent's workflow is ${desc.status.name.toLowerCase()}; nothing to ${kind}`);
    await handle.signal(kind === 'cancel' ? cancelSignal : rollbackSignal, payload);
  }

  async decide(workflowId: string, kind: 'approve' | 'reject', decision: CabDecisionInput): Promise<CabDecisionResult> {
    try {
      return await this.client.workflow
        .getHandle(workflowId)
        .executeUpdate(kind === 'approve' ? approveUpdate : rejectUpdate, { args: [decision] });
    } catch (err) {
      if (err instanceof WorkflowUpdateFailedError) {
        const cause = err.cause;
        const type = cause instanceof ApplicationFailure ? cause.type : undefined;
        const refusal = type ? DECISION_REFUSALS[type as DecisionFailureType] : undefined;
        if (refusal) throw refusal(cause!.message);
        // The decision's own text was refused by the database (e.g. a NUL byte that got past intake): nothing was recorded.
        if (cause instanceof ActivityFailure && cause.cause instanceof ApplicationFailure && cause.cause.type === 'DatabaseDataError') {
          throw new InputError('The decision could not be recorded: the database refused one of its values', [
            { path: 'comment', message: 'contains a value the database refuses' },
          ]);
        }
        throw err;
      }
      if (err instanceof WorkflowNotFoundError) throw new ConflictError('The intent has no running workflow');
      throw err;
    }
  }
}
