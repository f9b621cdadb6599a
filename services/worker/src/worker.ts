import { NativeConnection, Worker } from '@temporalio/worker';
import type { DataSource } from 'typeorm';
import type { Logger } from 'pino';
import type { ResilienceOptions } from '@eucora/connectors';
import type { ServiceConfig } from '@eucora/core';
import { createMinioClient, evidenceRetention, loadKeyring, MinioArtifactStore, temporalTlsOptions } from '@eucora/runtime';
import {
  createDecisionActivities,
  createIntentActivities,
  createInventoryActivities,
  WORKFLOWS_PATH,
  type ConnectorRegistry,
} from '@eucora/workflows';
import { DeviceRepository, IntentDeviceStateRepository } from '@eucora/persistence';
import { ConnectorInventoryRegistry } from './adapters/connector-inventory-registry';
import { EnvConnectorRegistry } from './adapters/env-connector-registry';
import { HttpArtifactFetcher } from './adapters/http-artifact-fetcher';
import { MinioArtifactContentSource } from './adapters/minio-artifact-content-source';
import { MinioEvidenceStore } from './adapters/minio-evidence-store';
import { PostgresIntentActivityStore } from './adapters/postgres-intent-activity-store';

/** Options for building a worker; tests override the task queue to isolate themselves. */
export interface WorkerOptions {
  config: ServiceConfig;
  ds: DataSource;
  /** Defaults to `config.TEMPORAL_TASK_QUEUE`. */
  taskQueue?: string;
  /** Defaults to connectors from the environment (`INTUNE_*`). */
  connectors?: ConnectorRegistry;
  /** Receives breaker transitions and other worker logs. */
  logger?: Logger;
  /** Overrides of the connector retry/breaker/timeout defaults (tests shorten them). */
  resilience?: ResilienceOptions;
}

/** Connects to Temporal and builds a worker with real adapters. The caller runs and shuts it down. */
export async function createIntentWorker(opts: WorkerOptions): Promise<{ worker: Worker; connection: NativeConnection }> {
  if (!opts.config.EVIDENCE_SIGNING_KEY_FILE) {
    throw new Error(
      'EVIDENCE_SIGNING_KEY_FILE is required by the worker: the keyring that signs evidence packs ' +
        '(create one with `cli.js evidence-keys init <file>`)',
    );
  }
  const keyring = loadKeyring(opts.config.EVIDENCE_SIGNING_KEY_FILE);
  if (!opts.config.EUCORA_DECISION_KEY) opts.logger?.warn('EUCORA_DECISION_KEY is not set: every CAB decision will be refused');
  const decisions = createDecisionActivities({
    keys: [opts.config.EUCORA_DECISION_KEY, opts.config.EUCORA_DECISION_KEY_PREVIOUS],
    maxAgeSeconds: opts.config.EUCORA_DECISION_MAX_AGE_SECONDS,
  });
  const minio = createMinioClient(opts.config);
  const artifacts = new MinioArtifactStore(minio, opts.config.S3_ARTIFACT_BUCKET, opts.config.S3_REGION);
  const fetcher = new HttpArtifactFetcher(artifacts, {
    urlAllowlist: opts.config.ARTIFACT_URL_ALLOWLIST,
    maxBytes: opts.config.ARTIFACT_MAX_BYTES,
  });
  const evidence = new MinioEvidenceStore(minio, evidenceStoreOptions(opts.config));
  const connection = await NativeConnection.connect({
    address: opts.config.TEMPORAL_ADDRESS,
    tls: temporalTlsOptions(opts.config),
  });
  const connectors =
    opts.connectors ??
    new EnvConnectorRegistry(opts.config, {
      ds: opts.ds,
      logger: opts.logger,
      resilience: opts.resilience ?? {
        timeoutMs: opts.config.CONNECTOR_TIMEOUT_MS,
        retries: opts.config.CONNECTOR_RETRIES,
        consecutiveFailures: opts.config.BREAKER_CONSECUTIVE_FAILURES,
        errorThresholdPercentage: opts.config.BREAKER_ERROR_PERCENTAGE,
        resetTimeoutMs: opts.config.BREAKER_RESET_MS,
      },
    });
  const worker = await Worker.create({
    connection,
    namespace: opts.config.TEMPORAL_NAMESPACE,
    taskQueue: opts.taskQueue ?? opts.config.TEMPORAL_TASK_QUEUE,
    workflowsPath: WORKFLOWS_PATH,
    activities: {
      ...decisions,
      ...createIntentActivities(
        new PostgresIntentActivityStore(opts.ds, evidence, opts.config.S3_BUCKET, keyring, {
          fetcher,
          unverified: opts.config.ARTIFACT_UNVERIFIED ?? (opts.config.EUCORA_ENV === 'production' ? 'deny' : 'flag'),
        }),
        connectors,
        new MinioArtifactContentSource(artifacts),
        new IntentDeviceStateRepository(opts.ds),
      ),
      // Inventory sync (docs/fleet.md): readers share the connectors' clients and breakers.
      ...createInventoryActivities(new DeviceRepository(opts.ds), new ConnectorInventoryRegistry(connectors)),
    },
  });
  return { worker, connection };
}

/** Evidence store settings from config (bucket and retention). */
function evidenceStoreOptions(config: ServiceConfig): { bucket: string; mode: 'COMPLIANCE' | 'GOVERNANCE'; days: number } {
  return { bucket: config.S3_BUCKET, ...evidenceRetention(config) };
}
