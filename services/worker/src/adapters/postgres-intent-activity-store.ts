import type { DataSource } from 'typeorm';
import {
  assess,
  cabTargets,
  deployRequest,
  deploymentHistory,
  InputError,
  NotFoundError,
  normaliseFindings,
  snapshotTargets,
  type ArtifactCheckResult,
  type Assessment,
  type DeployRequest,
  type EvidenceRequest,
  type TargetSnapshotResult,
} from '@eucora/core';
import {
  CabRepository,
  DeploymentIntentRepository,
  DeviceRepository,
  EventRepository,
  ExceptionRepository,
  IntentRingDeviceRepository,
  type DeploymentIntentEntity,
} from '@eucora/persistence';
import type { RingMember } from '@eucora/connectors';
import type { IntentActivityStore, TransitionInput } from '@eucora/workflows';
import type { SigningKeyring } from '@eucora/runtime';
import { ArtifactChecker } from './artifact-checker';
import { EvidencePackWriter } from './evidence-pack-writer';
import type { ArtifactFetcher } from './http-artifact-fetcher';
import type { EvidenceStore } from './minio-evidence-store';

/**
 * `IntentActivityStore` over PostgreSQL and the evidence store: reads through the repositories, decides in core
 * (assessment, evidence layout), and delegates the artifact check and evidence writing to their adapters.
 */
export class PostgresIntentActivityStore implements IntentActivityStore {
  private readonly intents: DeploymentIntentRepository;
  private readonly events: EventRepository;
  private readonly devices: DeviceRepository;
  private readonly ringDevices: IntentRingDeviceRepository;
  private readonly exceptions: ExceptionRepository;
  private readonly cab: CabRepository;
  private readonly artifactChecker: ArtifactChecker;
  private readonly evidenceWriter: EvidencePackWriter;

  constructor(
    private readonly ds: DataSource,
    evidence: EvidenceStore,
    bucket: string,
    keyring: SigningKeyring,
    /** How URL-sourced artifacts are fetched, and what policy does with unverified bytes (default `flag`). */
    private readonly artifacts: { fetcher?: ArtifactFetcher; unverified?: 'deny' | 'flag' } = {},
  ) {
    this.intents = new DeploymentIntentRepository(ds);
    this.events = new EventRepository(ds);
    this.devices = new DeviceRepository(ds);
    this.ringDevices = new IntentRingDeviceRepository(ds);
    this.exceptions = new ExceptionRepository(ds);
    this.cab = new CabRepository(ds);
    this.artifactChecker = new ArtifactChecker(ds, artifacts.fetcher);
    this.evidenceWriter = new EvidencePackWriter(ds, evidence, bucket, keyring);
  }

  private async intent(tenantId: string, intentId: string): Promise<DeploymentIntentEntity> {
    const intent = await this.intents.findById(tenantId, intentId);
    if (!intent) throw new NotFoundError(`Deployment intent ${intentId} not found`);
    return intent;
  }

  /**
   * Resolves the targets over the plane's synced inventory, computes ring membership and stores it (`intent_ring_devices`).
   * Null when the plane was never synced for the tenant: the intent then runs as before (rings = the plan's groups).
   */
  private async snapshotTargets(tenantId: string, intent: DeploymentIntentEntity, takenAt: string): Promise<TargetSnapshotResult | null> {
    const inventorySyncedAt = await this.devices.lastSyncedAt(tenantId, intent.plane);
    if (inventorySyncedAt === null) return null;
    const rows = await this.devices.inGroups(tenantId, intent.plane, intent.spec.targeting.groups);
    const snap = snapshotTargets(tenantId, intent.spec, rows, takenAt, inventorySyncedAt);
    const written = await this.ringDevices.replace(tenantId, intent.id, intent.plane, snap.rings);
    if (written !== snap.targets.count) throw new Error(`ring membership wrote ${written} of ${snap.targets.count} devices`);
    return snap;
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
          data: { ...input.data, ...(input.to ? { fromState: intent.state, toState: input.to } : {}) },
          correlationId: input.correlationId,
          dedupeKey: input.dedupeKey,
        },
        em,
      );
      if (!duplicate && input.to) await this.intents.setState(input.tenantId, input.intentId, input.to, em);
      return { duplicate };
    });
  }

  async checkArtifact(tenantId: string, intentId: string): Promise<ArtifactCheckResult | null> {
    const intent = await this.intent(tenantId, intentId);
    return this.artifactChecker.check(tenantId, intentId, intent.spec.artifact);
  }

  async assess(tenantId: string, intentId: string, now: string, artifactCheck: ArtifactCheckResult | null = null): Promise<Assessment> {
    const intent = await this.intent(tenantId, intentId);
    const spec = intent.spec;
    const findings = normaliseFindings(spec.vulnerabilityReport);
    if (findings === null) {
      throw new InputError('vulnerabilityReport is not Trivy, Grype or CycloneDX VEX JSON', [
        { path: 'vulnerabilityReport', message: 'unrecognised format' },
      ]);
    }
    const snapshot = await this.snapshotTargets(tenantId, intent, now);
    const assessment = assess({
      intent: { plane: intent.plane, changeType: intent.changeType, spec },
      findings,
      snapshot,
      history: deploymentHistory(await this.intents.recentOutcomes(tenantId, spec.artifact.name, intentId)),
      artifactCheck,
      exceptions: await this.exceptions.findByPackage(tenantId, spec.artifact.name),
      unverified: this.artifacts.unverified ?? 'flag',
      uploadedFileName: await this.artifactChecker.uploadedFileName(tenantId, spec.artifact),
      now,
    });
    await this.intents.setAssessment(tenantId, intentId, {
      riskScore: assessment.risk.score,
      riskBand: assessment.risk.band,
      policyDecision: assessment.policy.decision,
    });
    return assessment;
  }

  async ringMembers(tenantId: string, intentId: string, ringIndex: number): Promise<RingMember[]> {
    const rows = await this.ringDevices.ring(tenantId, intentId, ringIndex);
    return rows.map((r) => ({ deviceKey: r.deviceKey, directoryId: r.directoryId, name: r.name }));
  }

  async writeEvidencePack(req: EvidenceRequest): Promise<{ packId: string; sha256: string }> {
    return this.evidenceWriter.write(req);
  }

  async openCabItem(input: Parameters<IntentActivityStore['openCabItem']>[0]): Promise<{ cabItemId: string }> {
    const a = input.assessment;
    const { id } = await this.cab.openOnce({
      tenantId: input.tenantId,
      intentId: input.intentId,
      riskScore: a.risk.score,
      risk: a.risk,
      policy: a.policy,
      evidencePackId: input.evidencePackId,
      evidenceHash: input.evidenceHash,
      quorum: input.quorum,
      gateRing: input.gateRing,
      emergency: a.changeType === 'emergency',
      submittedBy: input.submittedBy,
      targets: cabTargets(a),
    });
    return { cabItemId: id };
  }

  async recordCabDecision(input: Parameters<IntentActivityStore['recordCabDecision']>[0]): Promise<void> {
    // The decision row and its event commit together: a decision is never recorded without its audit event.
    await this.ds.transaction(async (em) => {
      await this.cab.insertDecision(
        {
          tenantId: input.tenantId,
          cabItemId: input.cabItemId,
          decision: input.decision,
          actor: input.actor,
          tokenId: input.tokenId,
          comment: input.comment ?? null,
          evidenceHash: input.evidenceHash,
          decidedAt: input.decidedAt,
        },
        em,
      );
      await this.events.append(
        {
          tenantId: input.tenantId,
          aggregateType: 'deployment_intent',
          aggregateId: input.intentId,
          eventType: input.decision === 'approve' ? 'cab.approval_recorded' : 'cab.rejection_recorded',
          actor: input.actor,
          reason:
            `${input.actor} ${input.decision === 'approve' ? 'approved' : 'rejected'} on evidence ${input.evidenceHash}` +
            (input.comment ? `: ${input.comment}` : ''),
          data: { action: input.decision, cabItemId: input.cabItemId, evidenceHash: input.evidenceHash, decidedAt: input.decidedAt },
          correlationId: input.correlationId,
          dedupeKey: input.dedupeKey,
        },
        em,
      );
    });
  }

  async closeCabItem(input: Parameters<IntentActivityStore['closeCabItem']>[0]): Promise<void> {
    await this.cab.closePending(input.tenantId, input.cabItemId, input.status, input.at);
  }

  /** For ring steps of assessments recorded before they carried the deploy request: the same request, from the intent. */
  async loadDeployRequest(tenantId: string, intentId: string): Promise<DeployRequest> {
    const intent = await this.intent(tenantId, intentId);
    return deployRequest(intent.plane, intent.spec, await this.artifactChecker.uploadedFileName(tenantId, intent.spec.artifact));
  }
}
