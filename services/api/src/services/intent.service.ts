import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import type { Logger } from 'pino';
import { z } from 'zod';
import {
  INTENT_STATES,
  PLANES,
  canonicalJson,
  ConflictError,
  createIntentSchema,
  InputError,
  inputErrorFromZod,
  intentWorkflowId,
  NotFoundError,
  sha256Hex,
  validateSbom,
  type EventEnvelope,
  type IntentSpec,
  type Principal,
} from '@eucora/core';
import {
  DeploymentIntentRepository,
  EventRepository,
  IntentDeviceStateRepository,
  type RingProgressRow,
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
  return events.map((e) => ({ at: e.createdAt, type: e.eventType, actor: e.actor, reason: e.reason, data: e.data, eventId: e.eventId, hash: e.hash }));
}

const TERMINAL = new Set(['completed', 'rejected', 'blocked', 'rolled_back', 'failed', 'cancelled']);

const listQuerySchema = z
  .object({
    state: z.enum(INTENT_STATES).optional(),
    plane: z.enum(PLANES).optional(),
    submitter: z.string().min(1).max(200).optional(),
    riskBand: z.enum(['low', 'medium', 'high']).optional(),
    cursor: z.string().uuid('must be the nextCursor of a previous page').optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
  })
  .strict();

const reasonSchema = z.object({ reason: z.string().trim().min(1).max(2000).optional() }).strict();

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
  private readonly intents: DeploymentIntentRepository;
  private readonly events: EventRepository;
  private readonly keys = new IdempotencyKeyRepository();

  constructor(
    private readonly ds: DataSource,
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
    private readonly artifactRules: { urlAllowlist: readonly string[]; checkExists: (tenantId: string, id: string) => Promise<boolean> } = { urlAllowlist: [], checkExists: async () => false },
    /** Per-tenant fairness: most started-and-still-assessing intents (EUCORA_TENANT_MAX_ASSESSING); default no cap. */
    private readonly fairness: { maxAssessing: number } = { maxAssessing: Number.POSITIVE_INFINITY },
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
    await this.checkReferences(principal, spec);
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
          artifactName: spec.artifact.name,
        },
        em,
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
      if (!v.ok) throw new InputError(`Invalid SBOM: ${v.errors[0]?.path}: ${v.errors[0]?.message}`, v.errors.map((e) => ({ path: `sbom.${e.path}`, message: e.message })));
    }
    if (spec.artifact.sourceUrl) {
      const url = new URL(spec.artifact.sourceUrl);
      if (!['http:', 'https:'].includes(url.protocol) || !this.artifactRules.urlAllowlist.includes(url.hostname.toLowerCase())) {
        throw new InputError('Artifact URL not allowed', [{ path: 'artifact.sourceUrl', message: `host ${url.hostname} is not on ARTIFACT_URL_ALLOWLIST` }]);
      }
    }
    if (spec.artifact.checkId && !(await this.artifactRules.checkExists(principal.tenantId, spec.artifact.checkId))) {
      throw new InputError('Unknown artifact check', [{ path: 'artifact.checkId', message: 'no artifact upload with this id in your tenant' }]);
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
    if (!UUID_RE.test(id)) throw new InputError('Invalid intent id', [{ path: 'id', message: 'must be a UUID' }]);
    return this.view(principal.tenantId, id);
  }

  /** Lists the caller's intents, newest first; `cursor` is the last id of the previous page. */
  async list(
    principal: Principal,
    q: Record<string, unknown>,
  ): Promise<{ items: Omit<IntentView, 'timeline' | 'spec' | 'ringProgress'>[]; nextCursor: string | null }> {
    const parsed = listQuerySchema.safeParse(q);
    if (!parsed.success) throw inputErrorFromZod(parsed.error, 'query');
    const f = parsed.data;
    const rows = await this.intents.list(principal.tenantId, { state: f.state, plane: f.plane, submitter: f.submitter, riskBand: f.riskBand, afterId: f.cursor, limit: f.limit + 1 });
    const page = rows.slice(0, f.limit);
    return { items: page.map((i) => summary(i)), nextCursor: rows.length > f.limit ? page.at(-1)!.id : null };
  }

  /** The intent's timeline alone. */
  async timelineOf(principal: Principal, id: string): Promise<{ items: TimelineEntry[] }> {
    const intent = await this.get(principal, id);
    return { items: intent.timeline };
  }

  /** Cancels (or rolls back) a running intent by signal; deployed rings are rolled back by the workflow. */
  async signal(principal: Principal, id: string, kind: 'cancel' | 'rollback', body: unknown, correlationId: string): Promise<IntentView> {
    const parsed = reasonSchema.safeParse(body ?? {});
    if (!parsed.success) throw inputErrorFromZod(parsed.error, `${kind} request`);
    const intent = await this.get(principal, id);
    if (TERMINAL.has(intent.state)) throw new ConflictError(`The intent is ${intent.state}; nothing to ${kind}`);
    await this.starter.signal(intent.workflowId, kind, { actor: principal.actor, reason: parsed.data.reason ?? `${kind} requested` });
    this.logger.info({ tenant_id: principal.tenantId, intent_id: id, correlation_id: correlationId, kind }, 'intent signal sent');
    return intent;
  }

  private async view(tenantId: string, id: string): Promise<IntentView> {
    const intent = await this.intents.findById(tenantId, id);
    if (!intent) throw new NotFoundError(`Deployment intent ${id} not found`);
    const events = await this.events.listForAggregate(tenantId, 'deployment_intent', id);
    const ringProgress = await new IntentDeviceStateRepository(this.ds).progress(tenantId, id);
    return { ...summary(intent), spec: intent.spec, timeline: timeline(events), ringProgress };
  }
}
