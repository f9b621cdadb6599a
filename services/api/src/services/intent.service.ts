import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import {
  ConflictError,
  InputError,
  intentWorkflowId,
  NotFoundError,
  validateSbom,
  type EventEnvelope,
  type IntentSpec,
  type IntentState,
  type Plane,
  type Principal,
} from '@eucora/core';
import type {
  DeploymentIntentEntity,
  DeploymentIntentRepository,
  EventRepository,
  IdempotencyKeyRepository,
  IntentDeviceStateRepository,
  RingProgressRow,
  UnitOfWork,
} from '@eucora/persistence';
import type { WorkflowStarter } from '../adapters/workflow-starter';
import { keysetPage } from './keyset-page';

/** The repositories IntentService reads and writes; the create's key claim and insert share one `uow` transaction. */
export interface IntentStores {
  intents: Pick<DeploymentIntentRepository, 'insert' | 'findById' | 'list' | 'countAssessing' | 'markWorkflowStarted'>;
  events: Pick<EventRepository, 'listForAggregate'>;
  keys: Pick<IdempotencyKeyRepository, 'claim'>;
  deviceStates: Pick<IntentDeviceStateRepository, 'progress'>;
  uow: UnitOfWork;
}

/** A validated create: the parsed spec, the client's `Idempotency-Key` and the SHA-256 of the canonical request body. */
export interface CreateIntentInput {
  spec: IntentSpec;
  idempotencyKey: string;
  requestHash: string;
}

/** Filters and page of an intent listing; `cursor` is the last id of the previous page. */
export interface IntentListQuery {
  state?: IntentState;
  plane?: Plane;
  submitter?: string;
  riskBand?: 'low' | 'medium' | 'high';
  cursor?: string;
  limit: number;
}

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
  riskScore: number | null;
  riskBand: string | null;
  policyDecision: string | null;
  submittedBy: string;
  correlationId: string;
  workflowId: string;
  workflowStarted: boolean;
  createdAt: string;
  updatedAt: string;
  spec: unknown;
  timeline: TimelineEntry[];
  /** Live per-ring progress over exactly each ring's devices (from the per-device states); empty for intents without rings' members. */
  ringProgress: RingProgressRow[];
}

function timeline(events: EventEnvelope[]): TimelineEntry[] {
  return events.map((e) => ({
    at: e.createdAt,
    type: e.eventType,
    actor: e.actor,
    reason: e.reason,
    data: e.data,
    eventId: e.eventId,
    hash: e.hash,
  }));
}

const TERMINAL = new Set(['completed', 'rejected', 'blocked', 'rolled_back', 'failed', 'cancelled']);

function summary(intent: DeploymentIntentEntity): Omit<IntentView, 'timeline' | 'spec' | 'ringProgress'> {
  return {
    id: intent.id,
    title: intent.title,
    state: intent.state,
    plane: intent.plane,
    changeType: intent.changeType,
    riskScore: intent.riskScore,
    riskBand: intent.riskBand,
    policyDecision: intent.policyDecision,
    submittedBy: intent.submittedBy,
    correlationId: intent.correlationId,
    workflowId: intent.workflowId,
    workflowStarted: intent.workflowStartedAt !== null,
    createdAt: intent.createdAt.toISOString(),
    updatedAt: intent.updatedAt.toISOString(),
  };
}

/** Creates deployment intents (idempotently) and reads them back, always within the caller's tenant. */
export class IntentService {
  private readonly intents: IntentStores['intents'];
  private readonly events: IntentStores['events'];

  constructor(
    private readonly stores: IntentStores,
    private readonly starter: WorkflowStarter,
    private readonly logger: Logger,
    /**
     * Timing passed to each workflow (RING_POLL_INITIAL_MS / RING_POLL_MAX_MS / RING_EMPTY_GRACE_SECONDS) and the oldest signed
     * decision it accepts (EUCORA_DECISION_MAX_AGE_SECONDS); unset members take the workflow's defaults.
     */
    private readonly timing: {
      pollInitialMs: number;
      pollMaxMs: number;
      emptyRingGraceSeconds?: number;
      decisionMaxAgeSeconds?: number;
    } = {
      pollInitialMs: 2000,
      pollMaxMs: 60_000,
    },
    /** Intake checks of artifact references: URL host allow-list and existence of artifact checks. */
    private readonly artifactRules: { urlAllowlist: readonly string[]; checkExists: (tenantId: string, id: string) => Promise<boolean> } = {
      urlAllowlist: [],
      checkExists: async () => false,
    },
    /** Per-tenant fairness: most started-and-still-assessing intents (EUCORA_TENANT_MAX_ASSESSING); default no cap. */
    private readonly fairness: { maxAssessing: number } = { maxAssessing: Number.POSITIVE_INFINITY },
  ) {
    this.intents = stores.intents;
    this.events = stores.events;
  }

  /**
   * Stores the intent and starts its workflow. The row commits before Temporal is called, so a crash or a Temporal
   * outage in between loses nothing: the dispatcher (or the client's retry with the same key) starts it later.
   */
  async create(principal: Principal, input: CreateIntentInput, correlationId: string): Promise<{ intent: IntentView; replayed: boolean }> {
    const { spec, idempotencyKey, requestHash } = input;
    await this.checkReferences(principal, spec);
    const id = randomUUID();

    const outcome = await this.stores.uow.transaction(async (tx) => {
      const key = { tenantId: principal.tenantId, scope: 'intents.create', key: idempotencyKey, requestHash, resourceId: id };
      const claim = await this.stores.keys.claim(tx, key);
      if (claim.status === 'mismatch') {
        throw new ConflictError(
          `Idempotency-Key "${idempotencyKey}" was already used with a different request body (intent ${claim.resourceId})`,
        );
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
          artifactName: spec.artifact.name,
        },
        tx,
      );
      return { intentId: id, replayed: false };
    });

    const entity = await this.intents.findById(principal.tenantId, outcome.intentId);
    if (!entity) throw new NotFoundError(`Deployment intent ${outcome.intentId} not found`);
    // A tenant at its cap of assessing intents waits for the dispatcher, which starts held intents round-robin across tenants.
    if (!(await this.atAssessingCap(entity.tenantId))) await this.tryStart(entity);
    return { intent: await this.view(principal.tenantId, outcome.intentId), replayed: outcome.replayed };
  }

  /** Intake checks that need more than the schema: a valid SBOM, an allow-listed source URL, a known artifact check. */
  private async checkReferences(principal: Principal, spec: IntentSpec): Promise<void> {
    if (spec.sbom) {
      const v = await validateSbom(spec.sbom);
      if (!v.ok)
        throw new InputError(
          `Invalid SBOM: ${v.errors[0]?.path}: ${v.errors[0]?.message}`,
          v.errors.map((e) => ({ path: `sbom.${e.path}`, message: e.message })),
        );
    }
    if (spec.artifact.sourceUrl) {
      const url = new URL(spec.artifact.sourceUrl);
      if (!['http:', 'https:'].includes(url.protocol) || !this.artifactRules.urlAllowlist.includes(url.hostname.toLowerCase())) {
        throw new InputError('Artifact URL not allowed', [
          { path: 'artifact.sourceUrl', message: `host ${url.hostname} is not on ARTIFACT_URL_ALLOWLIST` },
        ]);
      }
    }
    if (spec.artifact.checkId && !(await this.artifactRules.checkExists(principal.tenantId, spec.artifact.checkId))) {
      throw new InputError('Unknown artifact check', [
        { path: 'artifact.checkId', message: 'no artifact upload with this id in your tenant' },
      ]);
    }
  }

  private async atAssessingCap(tenantId: string): Promise<boolean> {
    if (!Number.isFinite(this.fairness.maxAssessing)) return false;
    return ((await this.intents.countAssessing([tenantId])).get(tenantId) ?? 0) >= this.fairness.maxAssessing;
  }

  /** Starts the intent's workflow if that has not been confirmed yet; failures are logged and left to the dispatcher. */
  async tryStart(entity: DeploymentIntentEntity): Promise<boolean> {
    if (entity.workflowStartedAt) return true;
    const { decisionMaxAgeSeconds, ...timing } = this.timing;
    try {
      await this.starter.startIntent(entity.workflowId, {
        tenantId: entity.tenantId,
        intentId: entity.id,
        submittedBy: entity.submittedBy,
        submittedByTokenId: entity.submittedByTokenId,
        correlationId: entity.correlationId,
        timing,
        ...(decisionMaxAgeSeconds ? { decisionMaxAgeSeconds } : {}),
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
    return this.view(principal.tenantId, id);
  }

  /** Lists the caller's intents, newest first; `cursor` is the last id of the previous page. */
  async list(
    principal: Principal,
    f: IntentListQuery,
  ): Promise<{ items: Omit<IntentView, 'timeline' | 'spec' | 'ringProgress'>[]; nextCursor: string | null }> {
    const rows = await this.intents.list(principal.tenantId, {
      state: f.state,
      plane: f.plane,
      submitter: f.submitter,
      riskBand: f.riskBand,
      afterId: f.cursor,
      limit: f.limit + 1,
    });
    const { page, next } = keysetPage(rows, f.limit, (last) => last.id);
    return { items: page.map((i) => summary(i)), nextCursor: next };
  }

  /** The intent's timeline alone. */
  async timelineOf(principal: Principal, id: string): Promise<{ items: TimelineEntry[] }> {
    const intent = await this.get(principal, id);
    return { items: intent.timeline };
  }

  /** Cancels (or rolls back) a running intent by signal; deployed rings are rolled back by the workflow. */
  async signal(
    principal: Principal,
    id: string,
    kind: 'cancel' | 'rollback',
    reason: string | undefined,
    correlationId: string,
  ): Promise<IntentView> {
    const intent = await this.get(principal, id);
    if (TERMINAL.has(intent.state)) throw new ConflictError(`The intent is ${intent.state}; nothing to ${kind}`);
    await this.starter.signal(intent.workflowId, kind, { actor: principal.actor, reason: reason ?? `${kind} requested` });
    this.logger.info({ tenant_id: principal.tenantId, intent_id: id, correlation_id: correlationId, kind }, 'intent signal sent');
    return intent;
  }

  private async view(tenantId: string, id: string): Promise<IntentView> {
    const intent = await this.intents.findById(tenantId, id);
    if (!intent) throw new NotFoundError(`Deployment intent ${id} not found`);
    const events = await this.events.listForAggregate(tenantId, 'deployment_intent', id);
    const ringProgress = await this.stores.deviceStates.progress(tenantId, id);
    return { ...summary(intent), spec: intent.spec, timeline: timeline(events), ringProgress };
  }
}
