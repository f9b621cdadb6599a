import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import {
  buildEvidencePack,
  canonicalJson,
  evidenceObjectKey,
  evidencePackInput,
  manifestObjectKey,
  signManifest,
  type EvidenceManifest,
  type EvidenceRequest,
  NotFoundError,
  normaliseFindings,
  targetsEvidence,
} from '@eucora/core';
import { DeploymentIntentRepository, EvidencePackRepository, ExceptionRepository, IntentRingDeviceRepository } from '@eucora/persistence';
import type { SigningKeyring } from '@eucora/runtime';
import type { EvidenceStore } from './minio-evidence-store';

/**
 * Writes an intent's evidence pack version once: reads its sources (intent, applied exceptions, frozen ring members),
 * builds it (core), stores pack and signed manifest under object lock and records the row. A version already recorded is
 * returned as is; a retry after a partial write stores the same objects.
 */
export class EvidencePackWriter {
  private readonly packs: EvidencePackRepository;
  private readonly intents: DeploymentIntentRepository;
  private readonly exceptions: ExceptionRepository;
  private readonly ringDevices: IntentRingDeviceRepository;

  /** `bucket`: the evidence bucket `store` writes to (recorded on the row). */
  constructor(
    ds: DataSource,
    private readonly store: EvidenceStore,
    private readonly bucket: string,
    private readonly keyring: SigningKeyring,
  ) {
    this.packs = new EvidencePackRepository(ds);
    this.intents = new DeploymentIntentRepository(ds);
    this.exceptions = new ExceptionRepository(ds);
    this.ringDevices = new IntentRingDeviceRepository(ds);
  }

  async write(req: EvidenceRequest): Promise<{ packId: string; sha256: string }> {
    const existing = await this.packs.findVersion(req.tenantId, req.intentId, req.version);
    if (existing) return { packId: existing.id, sha256: existing.sha256 };
    const intent = await this.intents.findById(req.tenantId, req.intentId);
    if (!intent) throw new NotFoundError(`Deployment intent ${req.intentId} not found`);
    const spec = intent.spec;
    const members = req.assessment.targets?.source === 'inventory' ? await this.ringDevices.all(req.tenantId, req.intentId) : [];
    const pack = buildEvidencePack(
      evidencePackInput(req, {
        intent: { id: intent.id, submittedBy: intent.submittedBy, correlationId: intent.correlationId, spec },
        findings: normaliseFindings(spec.vulnerabilityReport) ?? [],
        exceptions: await this.exceptions.findByPackage(req.tenantId, spec.artifact.name),
        targets: targetsEvidence(req.assessment, spec, members),
      }),
    );
    const key = evidenceObjectKey(req.tenantId, req.intentId, pack.sha256);
    const { retention, versionId } = await this.store.putOnce(key, pack.bytes);
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
    const manifestKey = manifestObjectKey(req.tenantId, req.intentId, pack.sha256);
    await this.store.putOnce(manifestKey, Buffer.from(canonicalJson({ manifest, signature })));
    const row = await this.packs.insertOnce({
      id: randomUUID(),
      tenantId: req.tenantId,
      intentId: req.intentId,
      version: req.version,
      sha256: pack.sha256,
      previousPackHash: req.previousPackHash,
      bucket: this.bucket,
      objectKey: key,
      sizeBytes: pack.bytes.length,
      retention: { mode: retention.mode, retainUntil: retention.retainUntil.toISOString() },
      manifest,
      signature,
      keyId: manifest.keyId,
      manifestKey,
      versionId,
    });
    return { packId: row.id, sha256: row.sha256 };
  }
}
