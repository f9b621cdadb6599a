import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ActivityFailure, ApplicationFailure, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import { isConflictError, isInputError, isNotAllowedError, isUpstreamUnavailableError } from '@eucora/core';
import { DecisionFailure } from '@eucora/workflows';
import { TemporalWorkflowStarter } from './workflow-starter';

/** A client whose update fails the way the workflow's validator or handler refuses it. */
const refusingClient = (cause: Error) =>
  ({
    workflow: {
      getHandle: () => ({ executeUpdate: async () => Promise.reject(new WorkflowUpdateFailedError('Workflow Update failed', cause)) }),
    },
  }) as unknown as Client;
const decide = (cause: Error) =>
  new TemporalWorkflowStarter(refusingClient(cause), 'q').decide('wf', 'approve', {
    actor: 'a',
    tokenId: 't',
    roles: ['change_manager'],
    evidenceHash: 'h',
  });
const refusal = (type: string, message = 'whatever the workflow said') => ApplicationFailure.create({ type, message, nonRetryable: true });

describe('workflow starter: CAB refusals are mapped by failure type, not by message', () => {
  it('maps each typed refusal to its domain error and keeps the message', async () => {
    const cases: [string, (e: unknown) => boolean][] = [
      [DecisionFailure.SeparationOfDutiesViolation, isNotAllowedError],
      [DecisionFailure.NotChangeManager, isNotAllowedError],
      [DecisionFailure.StaleEvidence, isConflictError],
      [DecisionFailure.AlreadyApproved, isConflictError],
      [DecisionFailure.NoPendingDecision, isConflictError],
      [DecisionFailure.CommentRequired, isInputError],
      [DecisionFailure.BadDecisionSignature, isUpstreamUnavailableError],
      [DecisionFailure.StaleDecision, isUpstreamUnavailableError],
    ];
    for (const [type, guard] of cases) {
      const err = await decide(refusal(type, `refused: ${type}`)).catch((e: unknown) => e);
      assert.ok(guard(err), `${type} → ${String(err)}`);
      if (isNotAllowedError(err) || isConflictError(err)) assert.equal((err as Error).message, `refused: ${type}`);
    }
  });

  it('a decision the database refused to record (SQLSTATE 22) is a 400, not a 500', async () => {
    const message = 'The database refused a value (SQLSTATE 22021)';
    const dataError = ApplicationFailure.create({ type: 'DatabaseDataError', message, nonRetryable: true });
    const cause = new ActivityFailure('Activity task failed', 'recordCabDecision', '1', 'NON_RETRYABLE_FAILURE', 'w', dataError);
    const err = await decide(cause).catch((e: unknown) => e);
    assert.ok(isInputError(err), String(err));
  });

  it('does not guess from the message: an untyped failure that mentions "already approved" is not a 409', async () => {
    const err = await decide(new Error('carl has already approved')).catch((e: unknown) => e);
    assert.ok(err instanceof WorkflowUpdateFailedError);
    const unknownType = await decide(refusal('SomethingElse', 'Stale evidence')).catch((e: unknown) => e);
    assert.ok(unknownType instanceof WorkflowUpdateFailedError);
  });
});
