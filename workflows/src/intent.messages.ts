import { defineQuery } from '@temporalio/workflow';
import type { IntentState } from '@eucora/core';

/** Input of the DeploymentIntent workflow: identifiers only, the spec is read from PostgreSQL by activities. */
export interface DeploymentIntentInput {
  tenantId: string;
  intentId: string;
  /** Actor name of the submitter. */
  submittedBy: string;
  correlationId: string;
}

/** Live state of a running intent workflow. */
export interface IntentLiveState {
  state: IntentState;
  step: string;
}

/** Query: the workflow's live state. */
export const intentStateQuery = defineQuery<IntentLiveState>('intentState');
