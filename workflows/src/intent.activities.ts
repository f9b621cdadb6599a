import type { IntentState } from '@eucora/core';

/** One state transition of an intent, recorded atomically with its event. */
export interface TransitionInput {
  tenantId: string;
  intentId: string;
  to: IntentState;
  eventType: string;
  actor: string;
  reason: string;
  data: Record<string, unknown>;
  correlationId: string;
  /** Unique per tenant; a retried activity with the same key records nothing new. */
  dedupeKey: string;
}

/** Summary an assessment hands back to the workflow. */
export interface AssessmentSummary {
  plane: string;
  ringCount: number;
  changeType: string;
}

/** Store the intent activities write through; implemented by the worker with PostgreSQL. */
export interface IntentActivityStore {
  /** Updates the intent's state and appends its event in one transaction; idempotent by `dedupeKey`. */
  recordTransition(input: TransitionInput): Promise<{ duplicate: boolean }>;
  /** Loads what the assessment needs; throws `NotFoundError` when the intent is gone. */
  loadForAssessment(tenantId: string, intentId: string): Promise<AssessmentSummary>;
}

/** Builds the activities of the DeploymentIntent workflow from their dependencies. */
export function createIntentActivities(store: IntentActivityStore) {
  return {
    async recordTransition(input: TransitionInput): Promise<void> {
      await store.recordTransition(input);
    },
    async assessIntent(tenantId: string, intentId: string): Promise<AssessmentSummary> {
      return store.loadForAssessment(tenantId, intentId);
    },
  };
}

export type IntentActivities = ReturnType<typeof createIntentActivities>;
