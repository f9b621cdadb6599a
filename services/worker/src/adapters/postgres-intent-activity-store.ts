import type { DataSource } from 'typeorm';
import { DEFAULT_RINGS, NotFoundError } from '@eucora/core';
import { DeploymentIntentRepository, EventRepository } from '@eucora/persistence';
import type { AssessmentSummary, IntentActivityStore, TransitionInput } from '@eucora/workflows';

/** `IntentActivityStore` over PostgreSQL: a transition's state change and event commit together or not at all. */
export class PostgresIntentActivityStore implements IntentActivityStore {
  private readonly intents: DeploymentIntentRepository;
  private readonly events: EventRepository;

  constructor(private readonly ds: DataSource) {
    this.intents = new DeploymentIntentRepository(ds);
    this.events = new EventRepository(ds);
  }

  async recordTransition(input: TransitionInput): Promise<{ duplicate: boolean }> {
    return this.ds.transaction(async (em) => {
      const intent = await this.intents.findById(input.tenantId, input.intentId, em);
      if (!intent) throw new NotFoundError(`Deployment intent ${input.intentId} not found`);
      const { duplicate } = await this.events.append(
        {
          tenantId: input.tenantId,
          aggregateType: 'deployment_intent',
          aggregateId: input.intentId,
          eventType: input.eventType,
          actor: input.actor,
          reason: input.reason,
          data: { ...input.data, fromState: intent.state, toState: input.to },
          correlationId: input.correlationId,
          dedupeKey: input.dedupeKey,
        },
        em,
      );
      if (!duplicate) await this.intents.setState(input.tenantId, input.intentId, input.to, em);
      return { duplicate };
    });
  }

  async loadForAssessment(tenantId: string, intentId: string): Promise<AssessmentSummary> {
    const intent = await this.intents.findById(tenantId, intentId);
    if (!intent) throw new NotFoundError(`Deployment intent ${intentId} not found`);
    return { plane: intent.plane, changeType: intent.changeType, ringCount: (intent.spec.rings ?? DEFAULT_RINGS).length };
  }
}
