import { ApplicationFailure, Context } from '@temporalio/activity';
import {
  isPermanentDomainError,
  type ArtifactCheckResult,
  type Assessment,
  type DeployRequest,
  type EventInput,
  type EvidenceRequest,
  type IntentEventType,
  type IntentState,
  type PlannedRing,
} from '@eucora/core';
import {
  ringTargetKey,
  type DeployRingRequest,
  type DeployRingResult,
  type DeviceCounts,
  type DeviceState,
  type RingBaseline,
  type RingMember,
  type RingTarget,
} from '@eucora/connectors';

/** A transition's fields other than its event. */
export interface TransitionBase {
  tenantId: string;
  intentId: string;
  /** New state; omit to record an event without a state change. */
  to?: IntentState;
  actor: string;
  reason: string;
  correlationId: string;
  /** Unique per tenant; a retried activity with the same key records nothing new. */
  dedupeKey: string;
}

/** The event of a transition: an intent type of the event catalogue with exactly its `data` (the store adds fromState/toState). */
export type IntentEventInput = EventInput<IntentEventType>;

/** One state transition of an intent, recorded atomically with its event. */
export type TransitionInput = TransitionBase & IntentEventInput;

// The assessment's shapes live in core (pure assessment); re-exported so workflow code and callers keep importing them here.
export type {
  ArtifactCheckResult,
  Assessment,
  AssessmentTargets,
  DeployRequest,
  EvidenceRequest,
  PlannedRing,
  RingDelivery,
} from '@eucora/core';

/** Identifies a ring step for connector activities. */
export interface RingStepInput {
  tenantId: string;
  intentId: string;
  correlationId: string;
  ring: PlannedRing;
  /** Derived from workflow id + ring + step. */
  idempotencyKey: string;
  /**
   * What baseline and deploy send to the plane (the assessment's); absent in steps of assessments recorded before it was
   * carried there, which read it from the intent.
   */
  deployRequest?: DeployRequest;
}

/** Persistence the activities need; PostgreSQL in the worker. */
export interface IntentActivityStore {
  recordTransition(input: TransitionInput): Promise<{ duplicate: boolean }>;
  assess(tenantId: string, intentId: string, now: string, artifactCheck: ArtifactCheckResult | null): Promise<Assessment>;
  /** Streams the artifact (recorded upload or allow-listed URL) and measures its SHA-256; null when there is nothing to check. */
  checkArtifact(tenantId: string, intentId: string): Promise<ArtifactCheckResult | null>;
  writeEvidencePack(req: EvidenceRequest): Promise<{ packId: string; sha256: string }>;
  openCabItem(input: {
    tenantId: string;
    intentId: string;
    evidencePackId: string;
    evidenceHash: string;
    quorum: number;
    gateRing: number;
    assessment: Assessment;
    submittedBy: string;
  }): Promise<{ cabItemId: string }>;
  recordCabDecision(input: {
    tenantId: string;
    intentId: string;
    cabItemId: string;
    decision: 'approve' | 'reject';
    actor: string;
    tokenId: string;
    comment?: string;
    evidenceHash: string;
    decidedAt: string;
    correlationId: string;
    dedupeKey: string;
  }): Promise<void>;
  closeCabItem(input: { tenantId: string; cabItemId: string; status: 'approved' | 'rejected' | 'withdrawn'; at: string }): Promise<void>;
  /** The ring's devices as frozen at assessment, ordered by device key. */
  ringMembers(tenantId: string, intentId: string, ringIndex: number): Promise<RingMember[]>;
  /** The deploy request of an intent, for ring steps that do not carry one (assessed before `Assessment.deployRequest`). */
  loadDeployRequest(tenantId: string, intentId: string): Promise<DeployRequest>;
}

/** Verified artifact bytes for a deploy: the content store entry of the declared SHA-256, if its bytes were ever verified. */
export interface ArtifactContentSource {
  /** Undefined when no verified bytes are stored under the artifact's declared SHA-256. */
  get(
    tenantId: string,
    artifact: import('@eucora/connectors').DeployArtifact,
    fileName?: string,
  ): Promise<import('@eucora/connectors').ArtifactContent | undefined>;
}

/** Per-device states of ring status (PostgreSQL in the worker); absent = states are not stored. */
export interface RingDeviceStateStore {
  /** Stores the states that changed; returns how many rows were written. */
  saveStates(tenantId: string, intentId: string, ringIndex: number, states: readonly DeviceState[], now: string): Promise<number>;
}

/** Resolves the connector of a plane for a tenant. */
export interface ConnectorRegistry {
  get(tenantId: string, plane: string): Promise<import('@eucora/connectors').PlaneConnector>;
}

/**
 * SQLSTATE of a PostgreSQL data error (class 22: invalid byte sequence, value out of range, bad text representation…) on a
 * pg `DatabaseError` or a TypeORM `QueryFailedError` wrapping one; undefined for anything else.
 */
export function databaseDataErrorCode(err: unknown): string | undefined {
  for (let e = err as { code?: unknown; driverError?: unknown } | undefined, depth = 0; e && depth < 3; depth++) {
    if (typeof e.code === 'string' && /^22[0-9A-Z]{3}$/.test(e.code)) return e.code;
    e = e.driverError as typeof e;
  }
  return undefined;
}

/**
 * Temporal must not retry errors a retry cannot fix: they become non-retryable failures, named by kind. A database data
 * error is as permanent as an input error (the same value fails the same way on every attempt); its message is replaced by
 * the SQLSTATE so the refused value is never echoed into the failure, the workflow's `intent.failed` event or logs.
 */
export async function permanentToNonRetryable<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (isPermanentDomainError(err)) throw ApplicationFailure.nonRetryable(err.message, err.kind);
    const sqlstate = databaseDataErrorCode(err);
    if (sqlstate) throw ApplicationFailure.nonRetryable(`The database refused a value (SQLSTATE ${sqlstate})`, 'DatabaseDataError');
    throw err;
  }
}

/** Heartbeat period of plane activities, ms: well inside the workflow's 30 s heartbeat timeout. */
const HEARTBEAT_MS = 5000;

/**
 * Runs a plane call while heartbeating: every `HEARTBEAT_MS` with the latest progress (content-upload step) or on each
 * progress report. A killed worker stops heartbeating, so Temporal retries the activity on another worker within the
 * heartbeat timeout instead of waiting out the long start-to-close a content upload needs.
 */
async function heartbeating<T>(fn: (beat: (progress: Record<string, unknown>) => void) => Promise<T>): Promise<T> {
  let ctx: Context | undefined;
  try {
    ctx = Context.current();
  } catch {
    return fn(() => undefined); // outside an activity (direct calls in tests): nothing to heartbeat to
  }
  const c = ctx;
  let last: Record<string, unknown> | undefined;
  const timer = setInterval(() => c.heartbeat(last), HEARTBEAT_MS);
  try {
    return await fn((p) => {
      last = p;
      c.heartbeat(p);
    });
  } finally {
    clearInterval(timer);
  }
}

/** Builds the activities of the DeploymentIntent workflow from their dependencies. */
export function createIntentActivities(
  store: IntentActivityStore,
  connectors: ConnectorRegistry,
  contents?: ArtifactContentSource,
  deviceStates?: RingDeviceStateStore,
) {
  // The ring as connectors see it: its natural key, and its frozen members read from PostgreSQL (never from history).
  // Rings without frozen members (intents without a snapshot) carry none, so connectors keep targeting `deviceGroup`; an
  // empty snapshot ring is skipped before it deploys.
  const ringTarget = async (s: RingStepInput): Promise<RingTarget> => {
    const members = await store.ringMembers(s.tenantId, s.intentId, s.ring.index);
    return {
      index: s.ring.index,
      name: s.ring.name,
      deviceGroup: s.ring.deviceGroup,
      targetKey: ringTargetKey(s.intentId, s.ring.index),
      ...(members.length > 0 ? { members } : {}),
    };
  };
  const deployRequest = async (s: RingStepInput): Promise<{ plane: string; req: DeployRingRequest }> => {
    const d = s.deployRequest ?? (await store.loadDeployRequest(s.tenantId, s.intentId));
    const content = contents ? await contents.get(s.tenantId, d.artifact, d.fileName) : undefined;
    return {
      plane: d.plane,
      req: {
        tenantId: s.tenantId,
        intentId: s.intentId,
        correlationId: s.correlationId,
        ring: await ringTarget(s),
        artifact: d.artifact,
        content,
      },
    };
  };
  return {
    async recordTransition(input: TransitionInput): Promise<void> {
      await permanentToNonRetryable(() => store.recordTransition(input));
    },
    async assessIntent(
      tenantId: string,
      intentId: string,
      now: string,
      artifactCheck: ArtifactCheckResult | null = null,
    ): Promise<Assessment> {
      return permanentToNonRetryable(() => store.assess(tenantId, intentId, now, artifactCheck));
    },
    async checkArtifact(tenantId: string, intentId: string): Promise<ArtifactCheckResult | null> {
      return permanentToNonRetryable(() => store.checkArtifact(tenantId, intentId));
    },
    async writeEvidencePack(req: EvidenceRequest): Promise<{ packId: string; sha256: string }> {
      return permanentToNonRetryable(() => store.writeEvidencePack(req));
    },
    async openCabItem(input: Parameters<IntentActivityStore['openCabItem']>[0]): Promise<{ cabItemId: string }> {
      return permanentToNonRetryable(() => store.openCabItem(input));
    },
    async recordCabDecision(input: Parameters<IntentActivityStore['recordCabDecision']>[0]): Promise<void> {
      await permanentToNonRetryable(() => store.recordCabDecision(input));
    },
    async closeCabItem(input: Parameters<IntentActivityStore['closeCabItem']>[0]): Promise<void> {
      await permanentToNonRetryable(() => store.closeCabItem(input));
    },
    async ringBaseline(s: RingStepInput): Promise<RingBaseline> {
      return heartbeating(() =>
        permanentToNonRetryable(async () => {
          const { plane, req } = await deployRequest(s);
          return (await connectors.get(s.tenantId, plane)).ringBaseline(req);
        }),
      );
    },
    async deployRing(s: RingStepInput): Promise<DeployRingResult> {
      // Content uploads run for minutes: every upload step heartbeats, so a dead worker is noticed by the heartbeat timeout.
      return heartbeating((beat) =>
        permanentToNonRetryable(async () => {
          const { plane, req } = await deployRequest(s);
          return (await connectors.get(s.tenantId, plane)).deployRing({ ...req, onProgress: beat });
        }),
      );
    },
    async ringStatus(s: RingStepInput & { deployment: DeployRingResult; baseline: RingBaseline }): Promise<DeviceCounts> {
      return heartbeating(() =>
        permanentToNonRetryable(async () => {
          const connector = await connectors.get(s.tenantId, s.deployment.plane);
          // Members come from PostgreSQL, never through workflow history; per-device states stay out of the activity result.
          const ring = await ringTarget(s);
          const { devices, ...counts } = await connector.ringStatus({
            tenantId: s.tenantId,
            correlationId: s.correlationId,
            deployment: s.deployment,
            baseline: s.baseline,
            ring,
          });
          if (ring.members && devices?.length && deviceStates) {
            await deviceStates.saveStates(s.tenantId, s.intentId, s.ring.index, devices, new Date().toISOString());
          }
          return counts;
        }),
      );
    },
    async rollbackRing(s: RingStepInput & { deployment: DeployRingResult }): Promise<void> {
      await heartbeating(() =>
        permanentToNonRetryable(async () => {
          const connector = await connectors.get(s.tenantId, s.deployment.plane);
          await connector.rollbackRing({
            tenantId: s.tenantId,
            correlationId: s.correlationId,
            deployment: s.deployment,
            ring: await ringTarget(s),
          });
        }),
      );
    },
  };
}

export type IntentActivities = ReturnType<typeof createIntentActivities>;
