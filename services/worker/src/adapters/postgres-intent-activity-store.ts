import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import {
  buildEvidencePack,
  canonicalJson,
  computeRingMembership,
  deviceListSha256,
  resolveTargets,
  type TargetsEvidence,
  DEFAULT_RINGS,
  evaluatePolicy,
  generateSbom,
  UpstreamUnavailableError,
  evidenceObjectKey,
  manifestObjectKey,
  signManifest,
  type EvidenceManifest,
  InputError,
  NotFoundError,
  normaliseFindings,
  scoreRisk,
  sha256Hex,
  type IntentSpec,
  type PolicyException,
} from '@eucora/core';
import {
  ArtifactRepository,
  DeploymentIntentRepository,
  DeviceRepository,
  EventRepository,
  IntentRingDeviceRepository,
  type DeploymentIntentEntity,
} from '@eucora/persistence';
import type { RingMember } from '@eucora/connectors';
import type {
  ArtifactCheckResult,
  Assessment,
  AssessmentTargets,
  EvidenceRequest,
  IntentActivityStore,
  PlannedRing,
  TransitionInput,
} from '@eucora/workflows';
import type { SigningKeyring } from '@eucora/runtime';
import type { ArtifactFetcher } from './http-artifact-fetcher';
import type { EvidenceStore } from './minio-evidence-store';

/** The SBOM as evidence: the supplied document, or one generated from the declared components; hashed either way. */
function sbomEvidence(spec: IntentSpec) {
  if (spec.sbom) return { present: true, source: 'supplied' as const, specVersion: String(spec.sbom.specVersion), sha256: sha256Hex(canonicalJson(spec.sbom)), document: spec.sbom };
  const json = generateSbom(spec.artifact, spec.artifact.components);
  return { present: spec.artifact.components.length > 0, source: 'generated' as const, specVersion: '1.6', sha256: sha256Hex(json), document: JSON.parse(json) as Record<string, unknown> };
}

/** Devices assumed when an intent does not say how many it targets (documented in docs/risk-and-policy.md). */
export const ASSUMED_DEVICE_COUNT = 1000;

/** Why an intent with a synced plane has nothing to deploy to, for the `intent.blocked` event. */
function zeroTargetsReason(t: AssessmentTargets, spec: IntentSpec): string {
  const unknown = t.unknownGroups.length ? ` Unknown groups (no synced device): ${t.unknownGroups.join(', ')}.` : '';
  return `No device matches the targeting (groups ${spec.targeting.groups.join(', ')} on ${spec.artifact.platform}` +
    `${spec.targeting.exclusions.length ? ` minus ${spec.targeting.exclusions.join(', ')}` : ''}): ` +
    `${t.otherPlatform} on another platform, ${t.excluded} excluded, ${t.stale} stale.${unknown}`;
}

/** What the change manager sees of the targets on a CAB item (JSON; null for intents assessed before issue 10). */
function cabTargets(a: Assessment): string | null {
  const t = a.targets;
  if (!t) return null;
  return JSON.stringify({
    source: t.source, count: t.count, sha256: t.sha256, platformSplit: t.platformSplit, otherPlatform: t.otherPlatform,
    excluded: t.excluded, stale: t.stale, unknownGroups: t.unknownGroups, takenAt: t.takenAt, inventorySyncedAt: t.inventorySyncedAt,
    rings: a.rings.map((r) => ({ index: r.index, name: r.name, count: r.deviceCount ?? null })),
  });
}

/** `IntentActivityStore` over PostgreSQL and the evidence store. */
export class PostgresIntentActivityStore implements IntentActivityStore {
  private readonly intents: DeploymentIntentRepository;
  private readonly events: EventRepository;
  private readonly artifactChecks: ArtifactRepository;
  private readonly devices: DeviceRepository;
  private readonly ringDevices: IntentRingDeviceRepository;

  constructor(
    private readonly ds: DataSource,
    private readonly evidence: EvidenceStore,
    private readonly bucket: string,
    private readonly keyring: SigningKeyring,
    /** How URL-sourced artifacts are fetched, and what policy does with unverified bytes (default `flag`). */
    private readonly artifacts: { fetcher?: ArtifactFetcher; unverified?: 'deny' | 'flag' } = {},
  ) {
    this.intents = new DeploymentIntentRepository(ds);
    this.artifactChecks = new ArtifactRepository(ds);
    this.events = new EventRepository(ds);
    this.devices = new DeviceRepository(ds);
    this.ringDevices = new IntentRingDeviceRepository(ds);
  }

  /**
   * Resolves the targets over the plane's synced inventory, computes ring membership and stores it (`intent_ring_devices`).
   * Null when the plane was never synced for the tenant: the intent then runs as before (rings = the plan's groups).
   */
  private async snapshotTargets(tenantId: string, intent: DeploymentIntentEntity, takenAt: string) {
    const spec = intent.spec;
    const inventorySyncedAt = await this.devices.lastSyncedAt(tenantId, intent.plane);
    if (inventorySyncedAt === null) return null;
    const plan = spec.rings ?? DEFAULT_RINGS;
    const rows = await this.devices.inGroups(tenantId, intent.plane, spec.targeting.groups);
    const snapshot = resolveTargets(rows, {
      groups: spec.targeting.groups, exclusions: spec.targeting.exclusions, platform: spec.artifact.platform,
    });
    const groupMembers = new Map<string, Set<string>>();
    for (const g of new Set(plan.flatMap((r) => (r.group ? [r.group] : [])))) {
      groupMembers.set(g, new Set(rows.filter((d) => d.groups.includes(g)).map((d) => d.id)));
    }
    const rings = computeRingMembership({
      tenantId, packageName: spec.artifact.name, targets: snapshot.deviceIds, groupMembers,
      rings: plan.map((r) => ({
        name: r.name, ...(r.group ? { group: r.group } : {}), ...(r.percent !== undefined ? { percent: r.percent } : {}),
      })),
    });
    const written = await this.ringDevices.replace(tenantId, intent.id, intent.plane, rings);
    if (written !== snapshot.count) throw new Error(`ring membership wrote ${written} of ${snapshot.count} devices`);
    const targets: AssessmentTargets = {
      source: 'inventory', count: snapshot.count, sha256: snapshot.sha256, platformSplit: snapshot.platformSplit,
      otherPlatform: snapshot.otherPlatform, excluded: snapshot.excluded, stale: snapshot.stale,
      unknownGroups: snapshot.unknownGroups, takenAt, inventorySyncedAt,
    };
    return { targets, rings };
  }

  private async intent(tenantId: string, intentId: string): Promise<DeploymentIntentEntity> {
    const intent = await this.intents.findById(tenantId, intentId);
    if (!intent) throw new NotFoundError(`Deployment intent ${intentId} not found`);
    return intent;
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

  private async history(tenantId: string, intentId: string, artifactName: string) {
    const rows: { state: string; halted: string }[] = await this.ds.query(
      `SELECT i.state,
              (SELECT count(*) FROM events e WHERE e.tenant_id = i.tenant_id AND e.aggregate_id = i.id::text AND e.event_type = 'ring.halted') AS halted
         FROM deployment_intents i
        WHERE i.tenant_id = $1 AND lower(i.artifact_name) = lower($2) AND i.id <> $3
          AND i.state IN ('completed', 'rolled_back', 'failed')
        ORDER BY i.created_at DESC LIMIT 10`,
      [tenantId, artifactName, intentId],
    );
    if (rows.length === 0) return null;
    return {
      deployments: rows.length,
      rollbacks: rows.filter((r) => r.state === 'rolled_back').length,
      failedRings: rows.reduce((s, r) => s + Number(r.halted), 0),
    };
  }

  private async exceptions(tenantId: string, packageName: string): Promise<(PolicyException & { row: Record<string, unknown> })[]> {
    const rows: Record<string, unknown>[] = await this.ds.query(
      `SELECT id, package_name, finding_ids, compensating_controls, justification, expires_at, status, requested_by, decided_by, decided_at
         FROM exceptions WHERE tenant_id = $1 AND lower(package_name) = lower($2)`,
      [tenantId, packageName],
    );
    return rows.map((r) => ({
      id: String(r.id),
      status: r.status as PolicyException['status'],
      expiresAt: new Date(r.expires_at as string).toISOString(),
      findingIds: r.finding_ids as string[],
      packageName: String(r.package_name),
      row: { ...r, expires_at: new Date(r.expires_at as string).toISOString(), decided_at: r.decided_at ? new Date(r.decided_at as string).toISOString() : null },
    }));
  }

  async checkArtifact(tenantId: string, intentId: string): Promise<ArtifactCheckResult | null> {
    const intent = await this.intent(tenantId, intentId);
    const a = intent.spec.artifact;
    if (a.checkId) {
      const row = await this.artifactChecks.findById(tenantId, a.checkId);
      if (!row) throw new NotFoundError(`Artifact check ${a.checkId} not found`);
      return {
        verifiedSha256: row.sha256,
        check: { source: 'upload', sizeBytes: row.sizeBytes, at: row.createdAt },
        ...(row.bucket && row.objectKey ? { stored: { bucket: row.bucket, key: row.objectKey } } : {}),
      };
    }
    if (a.sourceUrl) {
      if (!this.artifacts.fetcher) throw new UpstreamUnavailableError('no artifact fetcher configured', 'artifact-source');
      const m = await this.artifacts.fetcher.fetch(tenantId, a.sourceUrl, a.sha256);
      const at = new Date().toISOString();
      // Recorded so the bytes and their check survive the workflow (evidence, audit) like uploads do.
      await this.artifactChecks.insert({
        id: randomUUID(),
        tenantId,
        sha256: m.sha256,
        sizeBytes: m.sizeBytes,
        source: 'url',
        url: a.sourceUrl,
        fileName: null,
        bucket: m.stored?.bucket ?? null,
        objectKey: m.stored?.key ?? null,
        intentId,
        createdBy: 'worker',
      });
      return {
        verifiedSha256: m.sha256,
        check: { source: 'url', sizeBytes: m.sizeBytes, url: a.sourceUrl, at },
        ...(m.stored ? { stored: { bucket: m.stored.bucket, key: m.stored.key } } : {}),
      };
    }
    return null;
  }

  async assess(tenantId: string, intentId: string, now: string, artifactCheck: ArtifactCheckResult | null = null): Promise<Assessment> {
    const intent = await this.intent(tenantId, intentId);
    const spec = intent.spec;
    const findings = normaliseFindings(spec.vulnerabilityReport);
    if (findings === null) throw new InputError('vulnerabilityReport is not Trivy, Grype or CycloneDX VEX JSON', [{ path: 'vulnerabilityReport', message: 'unrecognised format' }]);
    const snap = await this.snapshotTargets(tenantId, intent, now);
    const targets: AssessmentTargets = snap?.targets ?? {
      source: 'declared', count: spec.targeting.deviceCount ?? null, sha256: null, platformSplit: null,
      otherPlatform: 0, excluded: 0, stale: 0, unknownGroups: [], takenAt: now, inventorySyncedAt: null,
    };
    const scored = scoreRisk({
      privilege: spec.riskInputs.privilege,
      signature: { signed: spec.artifact.signature.signed, knownPublisher: spec.artifact.signature.knownPublisher },
      dataAccess: spec.riskInputs.dataAccess,
      // A generated SBOM only knows what was declared: with no declared components the contents are unknown.
      sbomPresent: spec.sbom !== undefined || spec.artifact.components.length > 0,
      findings,
      // Blast radius is the real target count; the declared count (or the assumption) only for a never-synced plane.
      deviceCount: snap ? snap.targets.count! : spec.targeting.deviceCount ?? ASSUMED_DEVICE_COUNT,
      requiresReboot: spec.riskInputs.requiresReboot,
      hasScripts: spec.riskInputs.hasScripts,
      dependencies: spec.riskInputs.dependencies,
      multiStep: spec.riskInputs.multiStep,
      history: await this.history(tenantId, intentId, spec.artifact.name),
      artifactVerified: artifactCheck !== null && artifactCheck.verifiedSha256 === spec.artifact.sha256,
    });
    const blastNote = snap
      ? `targets resolved from the ${intent.plane} inventory synced at ${snap.targets.inventorySyncedAt}`
      : `${intent.plane} inventory never synced: ${spec.targeting.deviceCount !== undefined ? 'declared targeting.deviceCount' : 'assumed'}`;
    const risk = {
      ...scored,
      factors: scored.factors.map((f) => (f.name === 'blastRadius' ? { ...f, reason: `${f.reason} (${blastNote})` } : f)),
    };
    const exceptions = await this.exceptions(tenantId, spec.artifact.name);
    const evaluated = evaluatePolicy({
      riskScore: risk.score,
      changeType: spec.changeType,
      artifactHashMatches: artifactCheck ? artifactCheck.verifiedSha256 === spec.artifact.sha256 : null,
      unverifiedArtifact: this.artifacts.unverified ?? 'flag',
      packageName: spec.artifact.name,
      findings,
      exceptions,
      now,
    });
    // Nothing to deploy to is not a rollout: the intent is blocked with the reason (unknown groups named).
    const policy = snap && snap.targets.count === 0
      ? {
        ...evaluated, decision: 'deny' as const, approvalBeforeRing: null,
        reasons: [...evaluated.reasons, zeroTargetsReason(snap.targets, spec)],
      }
      : evaluated;
    await this.ds.query(`UPDATE deployment_intents SET risk_score = $3, risk_band = $4, policy_decision = $5 WHERE tenant_id = $1 AND id = $2`, [tenantId, intentId, risk.score, risk.band, policy.decision]);
    const rings: PlannedRing[] = (spec.rings ?? DEFAULT_RINGS).map((r, index) => ({
      index, name: r.name, deviceGroup: r.group ?? r.name, successThreshold: r.successThreshold, soakSeconds: r.soakSeconds ?? 0,
      ...(snap ? { deviceCount: snap.rings[index]!.deviceIds.length, sha256: snap.rings[index]!.sha256 } : {}),
    }));
    return {
      artifactCheck, plane: intent.plane, changeType: intent.changeType, risk, policy, rings,
      notBefore: spec.schedule.notBefore ?? null, blackoutWindows: spec.schedule.blackoutWindows, targets,
    };
  }

  async ringMembers(tenantId: string, intentId: string, ringIndex: number): Promise<RingMember[]> {
    const rows = await this.ringDevices.ring(tenantId, intentId, ringIndex);
    return rows.map((r) => ({ deviceKey: r.deviceKey, directoryId: r.directoryId, name: r.name }));
  }

  /** The `targets` section of a pack: the frozen snapshot with every device id, per ring, read back from PostgreSQL. */
  private async targetsEvidence(req: EvidenceRequest, spec: IntentSpec): Promise<TargetsEvidence | undefined> {
    const t = req.assessment.targets;
    if (!t) return undefined;
    if (t.source === 'declared') {
      return {
        source: 'declared', plane: req.assessment.plane, takenAt: t.takenAt, inventorySyncedAt: null, declaredDeviceCount: t.count,
        reason: 'the plane inventory was never synced for the tenant; rings target the plan\'s groups on the plane',
      };
    }
    const rows = await this.ringDevices.all(req.tenantId, req.intentId);
    const byCodePoint = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
    const rings = req.assessment.rings.map((r) => {
      const deviceIds = rows.filter((m) => m.ringIndex === r.index).map((m) => m.deviceKey).sort(byCodePoint);
      return { index: r.index, name: r.name, count: deviceIds.length, sha256: deviceListSha256(deviceIds), deviceIds };
    });
    const deviceIds = rows.map((m) => m.deviceKey).sort(byCodePoint);
    const sha256 = deviceListSha256(deviceIds);
    // The pack must say exactly what assessment froze; a changed table would be a tampered snapshot, not evidence.
    if (sha256 !== t.sha256) throw new Error(`stored ring membership (${sha256}) differs from the assessed snapshot (${t.sha256})`);
    return {
      source: 'inventory', plane: req.assessment.plane, groups: [...spec.targeting.groups], exclusions: [...spec.targeting.exclusions],
      platform: spec.artifact.platform, takenAt: t.takenAt, inventorySyncedAt: t.inventorySyncedAt!, count: deviceIds.length, sha256,
      deviceIds, platformSplit: t.platformSplit ?? {}, otherPlatform: t.otherPlatform, excluded: t.excluded, stale: t.stale,
      unknownGroups: t.unknownGroups, rings,
    };
  }

  /** Plane-side object ids per deployed ring (for Intune: app, content version and content file). */
  private async deliveries(
    tenantId: string, intentId: string,
  ): Promise<{ ring: number; plane: string; objectIds: Record<string, string> }[]> {
    const rows: { ring_index: number; plane: string; deployment: { objectIds?: Record<string, string> } | null }[] = await this.ds.query(
      `SELECT ring_index, plane, deployment FROM ring_deployments
        WHERE tenant_id = $1 AND intent_id = $2 AND deployment IS NOT NULL ORDER BY ring_index`,
      [tenantId, intentId],
    );
    return rows.map((r) => ({ ring: r.ring_index, plane: r.plane, objectIds: r.deployment?.objectIds ?? {} }));
  }

  async writeEvidencePack(req: EvidenceRequest): Promise<{ packId: string; sha256: string }> {
    const existing: { id: string; sha256: string }[] = await this.ds.query(`SELECT id, sha256 FROM evidence_packs WHERE tenant_id = $1 AND intent_id = $2 AND version = $3`, [req.tenantId, req.intentId, req.version]);
    if (existing[0]) return { packId: existing[0].id, sha256: existing[0].sha256 };
    const intent = await this.intent(req.tenantId, req.intentId);
    const spec: IntentSpec = intent.spec;
    const findings = normaliseFindings(spec.vulnerabilityReport) ?? [];
    const applied = new Set(req.assessment.policy.exceptionsApplied);
    const exceptions = (await this.exceptions(req.tenantId, spec.artifact.name)).filter((e) => applied.has(e.id)).map((e) => e.row);
    const { sbom: _sbom, vulnerabilityReport: _vr, ...snapshot } = spec;
    const targets = await this.targetsEvidence(req, spec);
    const pack = buildEvidencePack({
      tenantId: req.tenantId,
      intentId: req.intentId,
      version: req.version,
      previousPackHash: req.previousPackHash,
      createdAt: req.createdAt,
      intent: { ...snapshot, id: intent.id, submittedBy: intent.submittedBy, correlationId: intent.correlationId } as Record<string, unknown>,
      artifact: {
        name: spec.artifact.name,
        version: spec.artifact.version,
        declaredSha256: spec.artifact.sha256,
        verifiedSha256: req.assessment.artifactCheck?.verifiedSha256 ?? null,
        check: req.assessment.artifactCheck?.check ?? null,
        signature: { ...spec.artifact.signature },
        stored: req.assessment.artifactCheck?.stored ? {
          ...req.assessment.artifactCheck.stored, sizeBytes: req.assessment.artifactCheck.check.sizeBytes,
        } : null,
        deliveries: await this.deliveries(req.tenantId, req.intentId),
      },
      sbom: sbomEvidence(spec),
      findings,
      risk: req.assessment.risk,
      policy: req.assessment.policy,
      installation: { install: spec.artifact.installCommand, uninstall: spec.artifact.uninstallCommand, detection: { ...spec.artifact.detectionRule } },
      rolloutPlan: req.assessment.rings.map((r) => ({ ...r })),
      rollbackPlan: { ...spec.rollbackPlan },
      testEvidence: req.testEvidence,
      exceptions,
      approvals: req.approvals,
      ...(targets ? { targets } : {}),
    });
    const key = evidenceObjectKey(req.tenantId, req.intentId, pack.sha256);
    const { retention, versionId } = await this.evidence.putOnce(key, pack.bytes);
    // The manifest names the pack's hash and is signed with the active key; Ed25519 is deterministic, so a retry
    // produces the same manifest object.
    const manifest: EvidenceManifest = {
      kind: 'eucora.evidence-manifest',
      algorithm: 'Ed25519',
      keyId: this.keyring.active.keyId,
      packSha256: pack.sha256,
      tenantId: req.tenantId,
      intentId: req.intentId,
      version: req.version,
      previousPackHash: req.previousPackHash,
      signedAt: req.createdAt,
    };
    const signature = signManifest(manifest, this.keyring.active.privateKey);
    const mKey = manifestObjectKey(req.tenantId, req.intentId, pack.sha256);
    await this.evidence.putOnce(mKey, Buffer.from(canonicalJson({ manifest, signature })));
    const id = randomUUID();
    await this.ds.query(
      `INSERT INTO evidence_packs (id, tenant_id, intent_id, version, sha256, prev_sha256, bucket, object_key, size_bytes, retention_mode, retain_until, manifest, signature, key_id, manifest_key, version_id)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16) ON CONFLICT (tenant_id, intent_id, version) DO NOTHING`,
      [id, req.tenantId, req.intentId, req.version, pack.sha256, req.previousPackHash, this.bucket, key, pack.bytes.length, retention.mode, retention.retainUntil, JSON.stringify(manifest), signature, manifest.keyId, mKey, versionId],
    );
    const row: { id: string; sha256: string }[] = await this.ds.query(`SELECT id, sha256 FROM evidence_packs WHERE tenant_id = $1 AND intent_id = $2 AND version = $3`, [req.tenantId, req.intentId, req.version]);
    return { packId: row[0]!.id, sha256: row[0]!.sha256 };
  }

  async openCabItem(input: Parameters<IntentActivityStore['openCabItem']>[0]): Promise<{ cabItemId: string }> {
    await this.ds.query(
      `INSERT INTO cab_items (id, tenant_id, intent_id, status, risk_score, risk, policy, evidence_pack_id, evidence_hash, quorum, gate_ring, emergency, submitted_by, targets)
       VALUES ($1,$2,$3,'pending',$4,$5,$6,$7,$8,$9,$10,$11,$12,$13) ON CONFLICT (tenant_id, intent_id) DO NOTHING`,
      [randomUUID(), input.tenantId, input.intentId, input.assessment.risk.score, JSON.stringify(input.assessment.risk), JSON.stringify(input.assessment.policy), input.evidencePackId, input.evidenceHash, input.quorum, input.gateRing, input.assessment.changeType === 'emergency', input.submittedBy, cabTargets(input.assessment)],
    );
    const rows: { id: string }[] = await this.ds.query(`SELECT id FROM cab_items WHERE tenant_id = $1 AND intent_id = $2`, [input.tenantId, input.intentId]);
    return { cabItemId: rows[0]!.id };
  }

  async recordCabDecision(input: Parameters<IntentActivityStore['recordCabDecision']>[0]): Promise<void> {
    await this.ds.transaction(async (em) => {
      await em.query(
        `INSERT INTO cab_decisions (id, tenant_id, cab_item_id, decision, actor, actor_token_id, comment, evidence_hash, decided_at)
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9) ON CONFLICT (cab_item_id, actor) DO NOTHING`,
        [randomUUID(), input.tenantId, input.cabItemId, input.decision, input.actor, input.tokenId, input.comment ?? null, input.evidenceHash, input.decidedAt],
      );
      await this.events.append(
        {
          tenantId: input.tenantId,
          aggregateType: 'deployment_intent',
          aggregateId: input.intentId,
          eventType: input.decision === 'approve' ? 'cab.approval_recorded' : 'cab.rejection_recorded',
          actor: input.actor,
          reason: `${input.actor} ${input.decision === 'approve' ? 'approved' : 'rejected'} on evidence ${input.evidenceHash}${input.comment ? `: ${input.comment}` : ''}`,
          data: { action: input.decision, cabItemId: input.cabItemId, evidenceHash: input.evidenceHash, decidedAt: input.decidedAt },
          correlationId: input.correlationId,
          dedupeKey: input.dedupeKey,
        },
        em,
      );
    });
  }

  async closeCabItem(input: Parameters<IntentActivityStore['closeCabItem']>[0]): Promise<void> {
    await this.ds.query(`UPDATE cab_items SET status = $3, decided_at = $4 WHERE tenant_id = $1 AND id = $2 AND status = 'pending'`, [input.tenantId, input.cabItemId, input.status, input.at]);
  }

  async saveRingDeployment(input: Parameters<IntentActivityStore['saveRingDeployment']>[0]): Promise<void> {
    await this.ds.query(
      `INSERT INTO ring_deployments (tenant_id, intent_id, ring_index, ring_name, plane, status, deployment, counts, updated_at)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8, now())
       ON CONFLICT (tenant_id, intent_id, ring_index) DO UPDATE
         SET status = EXCLUDED.status,
             deployment = COALESCE(EXCLUDED.deployment, ring_deployments.deployment),
             counts = COALESCE(EXCLUDED.counts, ring_deployments.counts),
             updated_at = now()`,
      [input.tenantId, input.intentId, input.ring.index, input.ring.name, input.plane, input.status, input.deployment ? JSON.stringify(input.deployment) : null, input.counts ? JSON.stringify(input.counts) : null],
    );
  }

  async loadDeployRequest(tenantId: string, intentId: string) {
    const intent = await this.intent(tenantId, intentId);
    const a = intent.spec.artifact;
    // The installer keeps the name it was uploaded or published under: install commands refer to it.
    const uploaded = a.checkId ? (await this.artifactChecks.findById(tenantId, a.checkId))?.fileName : undefined;
    const fromUrl = a.sourceUrl ? decodeURIComponent(new URL(a.sourceUrl).pathname.split('/').pop() ?? '') : '';
    const fileName = uploaded ?? (/^[\w .()-]{1,255}$/.test(fromUrl) ? fromUrl : undefined);
    return {
      plane: intent.plane,
      ...(fileName ? { fileName } : {}),
      artifact: {
        name: a.name,
        version: a.version,
        publisher: a.publisher,
        sha256: a.sha256,
        installCommand: a.installCommand,
        uninstallCommand: a.uninstallCommand,
        platform: a.platform,
        format: a.format,
        sizeBytes: a.sizeBytes,
        detectionRule: { type: a.detectionRule.type, value: a.detectionRule.value },
      },
    };
  }
}
