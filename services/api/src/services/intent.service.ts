import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import type { Logger } from 'pino';
import {
  canonicalJson,
  ConflictError,
  createIntentSchema,
  InputError,
  inputErrorFromZod,
  intentWorkflowId,
  NotFoundError,
  sha256Hex,
  type EventEnvelope,
  type Principal,
} from '@eucora/core';
import {
  DeploymentIntentRepository,
  EventRepository,
  IdempotencyKeyRepository,
  type DeploymentIntentEntity,
} from '@eucora/persistence';
import type { WorkflowStarter } from '../adapters/workflow-starter';

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const KEY_RE = /^[A-Za-z0-9._:-]{8,200}$/;

/** One line of an intent's timeline: what happened, why, the action and its outcome. */
export interface TimelineEntry {
  at: string;
  type: string;
  actor: string;
  reason: string;
  data: Record<string, unknown>;
  eventId: string;
  hash: string;
}

/** An intent as the API returns it. */
export interface IntentView {
  id: string;
  title: string;
  state: string;
  plane: string;
  changeType: string;
  submittedBy: string;
  correlationId: string;
  workflowId: string;
  workflowStarted: boolean;
  createdAt: string;
  updatedAt: string;
  spec: unknown;
  timeline: TimelineEntry[];
}

function timeline(events: EventEnvelope[]): TimelineEntry[] {
  return events.map((e) => ({ at: e.createdAt, type: e.eventType, actor: e.actor, reason: e.reason, data: e.data, eventId: e.eventId, hash: e.hash }));
}

/** Creates deployment intents (idempotently) and reads them back, always within the caller's tenant. */
export class IntentService {
  private readonly intents: DeploymentIntentRepository;
  private readonly events: EventRepository;
  private readonly keys = new IdempotencyKeyRepository();

  constructor(
    private readonly ds: DataSource,
    private readonly starter: WorkflowStarter,
    private readonly logger: Logger,
  ) {
    this.intents = new DeploymentIntentRepository(ds);
    this.events = new EventRepository(ds);
  }

  /**
   * Stores the intent and starts its workflow. The row commits before Temporal is called, so a crash or a Temporal
   * outage in between loses nothing: the dispatcher (or the client's retry with the same key) starts it later.
   */
  async create(
    principal: Principal,
    body: unknown,
    idempotencyKey: string | undefined,
    correlationId: string,
  ): Promise<{ intent: IntentView; replayed: boolean }> {
    if (!idempotencyKey) {
      throw new InputError('The Idempotency-Key header is required on creates', [{ path: 'header.Idempotency-Key', message: 'is required' }]);
    }
    if (!KEY_RE.test(idempotencyKey)) {
      throw new InputError('Invalid Idempotency-Key header', [{ path: 'header.Idempotency-Key', message: 'must be 8-200 characters of A-Z a-z 0-9 . _ : -' }]);
    }
    const parsed = createIntentSchema.safeParse(body);
    if (!parsed.success) throw inputErrorFromZod(parsed.error, 'deployment intent');
    const spec = parsed.data;
    const requestHash = sha256Hex(canonicalJson(body));
    const id = randomUUID();

    const outcome = await this.ds.transaction(async (em) => {
      const claim = await this.keys.claim(em, { tenantId: principal.tenantId, scope: 'intents.create', key: idempotencyKey, requestHash, resourceId: id });
      if (claim.status === 'mismatch') {
        throw new ConflictError(`Idempotency-Key "${idempotencyKey}" was already used with a different request body (intent ${claim.resourceId})`);
      }
      if (claim.status === 'replay') return { intentId: claim.resourceId, replayed: true };
      await this.intents.insert(
        {
          id,
          tenantId: principal.tenantId,
          title: spec.title,
          changeType: spec.changeType,
          plane: spec.plane,
          state: 'submitted',
          spec,
          submittedBy: principal.actor,
          submittedByTokenId: principal.tokenId,
          correlationId,
          workflowId: intentWorkflowId(principal.tenantId, id),
          workflowStartedAt: null,
        },
        em,
      );
      return { intentId: id, replayed: false };
    });

    const entity = await this.intents.findById(principal.tenantId, outcome.intentId);
    if (!entity) throw new NotFoundError(`Deployment intent ${outcome.intentId} not found`);
    await this.tryStart(entity);
    return { intent: await this.view(principal.tenantId, outcome.intentId), replayed: outcome.replayed };
  }

  /** Starts the intent's workflow if that has not been confirmed yet; failures are logged and left to the dispatcher. */
  async tryStart(entity: DeploymentIntentEntity): Promise<boolean> {
    if (entity.workflowStartedAt) return true;
    try {
      await this.starter.startIntent(entity.workflowId, {
        tenantId: entity.tenantId,
        intentId: entity.id,
        submittedBy: entity.submittedBy,
        correlationId: entity.correlationId,
      });
      await this.intents.markWorkflowStarted(entity.tenantId, entity.id, new Date());
      return true;
    } catch (err) {
      this.logger.warn(
        { err, tenant_id: entity.tenantId, intent_id: entity.id, correlation_id: entity.correlationId },
        'workflow start failed; the dispatcher will retry',
      );
      return false;
    }
  }

  /** The intent with its timeline; `NotFoundError` for unknown ids and for other tenants' intents alike. */
  async get(principal: Principal, id: string): Promise<IntentView> {
    if (!UUID_RE.test(id)) throw new InputError('Invalid intent id', [{ path: 'id', message: 'must be a UUID' }]);
    return this.view(principal.tenantId, id);
  }

  private async view(tenantId: string, id: string): Promise<IntentView> {
    const intent = await this.intents.findById(tenantId, id);
    if (!intent) throw new NotFoundError(`Deployment intent ${id} not found`);
    const events = await this.events.listForAggregate(tenantId, 'deployment_intent', id);
    return {
      id: intent.id,
      title: intent.title,
      state: intent.state,
      plane: intent.plane,
      changeType: intent.changeType,
      submittedBy: intent.submittedBy,
      correlationId: intent.correlationId,
      workflowId: intent.workflowId,
      workflowStarted: intent.workflowStartedAt !== null,
      createdAt: intent.createdAt.toISOString(),
      updatedAt: intent.updatedAt.toISOString(),
      spec: intent.spec,
      timeline: timeline(events),
    };
  }
}
