import { Client, Connection } from '@temporalio/client';
import type { Logger } from 'pino';
import type { DataSource } from 'typeorm';
import { decisionKeyFrom, type ServiceConfig } from '@eucora/core';
import {
  ArtifactRepository,
  CabRepository,
  ConnectorBreakerRepository,
  ConnectorConfigRepository,
  createDataSource,
  DeploymentIntentRepository,
  EventRepository,
  EvidencePackRepository,
  unitOfWork,
} from '@eucora/persistence';
import { createApp } from './app';
import {
  connectWithRetry,
  createMinioClient,
  loadKeyring,
  MinioArtifactStore,
  outboundPolicyFrom,
  SecretBox,
  temporalTlsOptions,
} from '@eucora/runtime';
import { databaseCheck, objectStoreCheck, temporalCheck } from './adapters/dependency-checks';
import { TemporalWorkflowStarter } from './adapters/workflow-starter';
import { HealthService } from './services/health.service';
import { IntentService } from './services/intent.service';
import { IntentDispatcher } from './services/intent-dispatcher';
import { TokenService } from './services/token.service';
import { AuditService } from './services/audit.service';
import { CabService } from './services/cab.service';
import { ExceptionService } from './services/exception.service';
import { EvidenceService } from './services/evidence.service';
import { ArtifactService } from './services/artifact.service';
import { ConnectorConfigService } from './services/connector-config.service';
import { DeviceService } from './services/device.service';
import { ApiMetrics } from './http/metrics';
import { ApiRateLimiter } from './http/rate-limit';
import { auditStores, deviceStores, exceptionStores, intentStores, tokenStores } from './stores';

/** A wired API: the express app plus what must be closed on shutdown. */
export interface ApiRuntime {
  app: ReturnType<typeof createApp>;
  ds: DataSource;
  dispatcher: IntentDispatcher;
  intents: IntentService;
  /** The Temporal client of this runtime (tests use it to inspect workflows). */
  client: Client;
  close(): Promise<void>;
}

/** Connects every real adapter from config. Used by `main.ts` and by integration tests against the test stack. */
export async function wireApi(config: ServiceConfig, logger: Logger): Promise<ApiRuntime> {
  const ds = createDataSource({ url: config.DATABASE_URL, poolSize: config.DATABASE_POOL_SIZE, applicationName: 'eucora-api' });
  await connectWithRetry('database', () => ds.initialize(), logger);
  // Lazy: the API serves (and reports Temporal as down in health) even while Temporal is unreachable.
  const connection = Connection.lazy({ address: config.TEMPORAL_ADDRESS, tls: temporalTlsOptions(config) });
  const client = new Client({ connection, namespace: config.TEMPORAL_NAMESPACE });
  const minio = createMinioClient(config);
  const breakers = new ConnectorBreakerRepository(ds);
  const health = new HealthService(
    [databaseCheck(ds), temporalCheck(connection, config.TEMPORAL_NAMESPACE), objectStoreCheck(minio, config.S3_BUCKET)],
    config.HEALTH_TIMEOUT_MS,
    breakers,
  );
  const tokens = new TokenService(tokenStores(ds));
  const workflows = new TemporalWorkflowStarter(client, config.TEMPORAL_TASK_QUEUE);
  const artifacts = new ArtifactService(
    new ArtifactRepository(ds),
    new MinioArtifactStore(minio, config.S3_ARTIFACT_BUCKET, config.S3_REGION),
    config.ARTIFACT_MAX_BYTES,
  );
  const intents = new IntentService(
    intentStores(ds),
    workflows,
    logger,
    {
      pollInitialMs: config.RING_POLL_INITIAL_MS,
      pollMaxMs: config.RING_POLL_MAX_MS,
      emptyRingGraceSeconds: config.RING_EMPTY_GRACE_SECONDS,
      decisionMaxAgeSeconds: config.EUCORA_DECISION_MAX_AGE_SECONDS,
    },
    {
      urlAllowlist: config.ARTIFACT_URL_ALLOWLIST,
      checkExists: (tenantId, id) => artifacts.exists(tenantId, id),
    },
    { maxAssessing: config.EUCORA_TENANT_MAX_ASSESSING },
  );
  const keyFile = config.EVIDENCE_SIGNING_KEY_FILE;
  const audit = new AuditService(auditStores(ds), {
    checkpoints: { minio, bucket: config.S3_BUCKET, keys: () => (keyFile ? loadKeyring(keyFile) : null) },
  });
  // Periodic checkpoints keep the default (incremental) verify short even for tenants nobody verifies.
  const checkpointTimer =
    config.AUDIT_CHECKPOINT_INTERVAL_MS > 0 && keyFile
      ? setInterval(() => {
          audit
            .checkpointDue(config.AUDIT_CHECKPOINT_MIN_EVENTS)
            .then(({ broken }) => {
              for (const b of broken) {
                logger.error(
                  { tenant_id: b.tenantId, firstBroken: b.firstBroken },
                  'audit chain broken; see runbooks/audit-verify-failed.md',
                );
              }
            })
            .catch((err: unknown) => logger.warn({ err }, 'audit checkpoint run failed'));
        }, config.AUDIT_CHECKPOINT_INTERVAL_MS).unref()
      : null;
  const dispatcher = new IntentDispatcher(new DeploymentIntentRepository(ds), intents, logger, {
    maxAssessing: config.EUCORA_TENANT_MAX_ASSESSING,
  });
  const app = createApp({
    logger,
    health,
    tokens,
    intents,
    cab: new CabService(new CabRepository(ds), workflows, config.EUCORA_DECISION_KEY ? decisionKeyFrom(config.EUCORA_DECISION_KEY) : null),
    exceptions: new ExceptionService(exceptionStores(ds)),
    audit,
    artifacts,
    // Re-read on each request so a rotation (new key in the file) is published without a restart.
    evidence: new EvidenceService(new EvidencePackRepository(ds), minio, () =>
      config.EVIDENCE_SIGNING_KEY_FILE ? loadKeyring(config.EVIDENCE_SIGNING_KEY_FILE).published : [],
    ),
    connectors: new ConnectorConfigService({
      configs: new ConnectorConfigRepository(ds),
      events: new EventRepository(ds),
      uow: unitOfWork(ds),
      box: config.CONNECTOR_SECRET_KEY ? new SecretBox(config.CONNECTOR_SECRET_KEY) : null,
      outbound: outboundPolicyFrom(config.EUCORA_OUTBOUND_ALLOW_HTTP_HOSTS, config.EUCORA_OUTBOUND_ALLOW_HOSTS),
    }),
    devices: new DeviceService(deviceStores(ds)),
    metrics: new ApiMetrics({ breakers, intents: new DeploymentIntentRepository(ds) }),
    maxBodyBytes: config.MAX_BODY_BYTES,
    rateLimiter: new ApiRateLimiter({
      tokenRps: config.EUCORA_RATE_LIMIT_TOKEN_RPS,
      tokenBurst: config.EUCORA_RATE_LIMIT_TOKEN_BURST,
      tenantRps: config.EUCORA_RATE_LIMIT_TENANT_RPS,
      tenantBurst: config.EUCORA_RATE_LIMIT_TENANT_BURST,
    }),
    metricsToken: config.EUCORA_METRICS_TOKEN,
  });
  return {
    app,
    ds,
    dispatcher,
    intents,
    client,
    async close() {
      dispatcher.stop();
      if (checkpointTimer) clearInterval(checkpointTimer);
      await health.drain();
      await connection.close().catch(() => undefined);
      await ds.destroy().catch(() => undefined);
    },
  };
}
