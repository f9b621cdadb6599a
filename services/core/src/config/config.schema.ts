import { z } from 'zod';

const port = z.coerce
  .number({ invalid_type_error: 'must be a port number' })
  .int('must be a whole number')
  .min(1, 'must be a port number 1-65535')
  .max(65535, 'must be a port number 1-65535');
const bool = z.enum(['true', 'false', '1', '0', 'yes', 'no']).transform((v) => v === 'true' || v === '1' || v === 'yes');

/**
 * Environment of the API and worker processes. Every variable is documented in README.md's configuration table;
 * keep the two in step.
 */
export const serviceEnvSchema = z.object({
  /** `development` | `test` | `production`; default `development`. */
  EUCORA_ENV: z.enum(['development', 'test', 'production']).default('development'),
  /** Interface the API binds to; default `127.0.0.1`. */
  API_HOST: z.string().min(1).default('127.0.0.1'),
  /** API port; default 8080. */
  API_PORT: port.default(8080),
  /** Longest wait for a request's complete headers, ms; a half-sent request is cut off after it; default 15000. */
  API_HEADERS_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(15_000),
  /** Longest wait for a complete request (headers and body), ms; default 60000 (artifact uploads need it). */
  API_REQUEST_TIMEOUT_MS: z.coerce.number().int().min(100).max(3_600_000).default(60_000),
  /** PostgreSQL connection string of the application role. Required. */
  DATABASE_URL: z
    .string({ required_error: 'is required (postgres://user:password@host:port/db)' })
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL'),
  /** Connection pool size per process; default 10. */
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
  /** Temporal frontend host:port; default `127.0.0.1:7233`. */
  TEMPORAL_ADDRESS: z
    .string()
    .regex(/^[^\s:]+:\d+$/, 'must be host:port')
    .default('127.0.0.1:7233'),
  /** Temporal namespace; default `default`. */
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  /** Task queue the worker polls and the API starts workflows on; default `eucora-intents`. */
  TEMPORAL_TASK_QUEUE: z.string().min(1).default('eucora-intents'),
  /** Connect to Temporal over TLS; default false. */
  TEMPORAL_TLS: bool.default('false'),
  /** Client certificate (PEM) for mutual TLS to Temporal; with TEMPORAL_TLS_KEY_FILE, implies TLS. Recommended in production. */
  TEMPORAL_TLS_CERT_FILE: z.string().min(1).optional(),
  /** Private key (PEM) of the client certificate; never logged. */
  TEMPORAL_TLS_KEY_FILE: z.string().min(1).optional(),
  /** CA bundle (PEM) that signed the Temporal frontend's certificate; default the system roots. */
  TEMPORAL_TLS_CA_FILE: z.string().min(1).optional(),
  /** Server name to verify on the frontend's certificate; default the host of TEMPORAL_ADDRESS. */
  TEMPORAL_TLS_SERVER_NAME: z.string().min(1).optional(),
  /** S3/MinIO endpoint URL; default `http://127.0.0.1:9000`. */
  S3_ENDPOINT: z.string().url('must be a URL such as http://127.0.0.1:9000').default('http://127.0.0.1:9000'),
  /** S3 access key. Required. */
  S3_ACCESS_KEY: z.string({ required_error: 'is required' }).min(3),
  /** S3 secret key. Required; never logged. */
  S3_SECRET_KEY: z.string({ required_error: 'is required' }).min(8, 'must be at least 8 characters'),
  /** Evidence bucket (created with object lock); default `eucora-evidence`. */
  S3_BUCKET: z
    .string()
    .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must be a valid S3 bucket name')
    .default('eucora-evidence'),
  /**
   * Artifact content bucket (verified installer bytes keyed by `<tenant>/sha256/<hex>`); default `eucora-artifacts`. The app's
   * storage policy covers it.
   */
  S3_ARTIFACT_BUCKET: z
    .string()
    .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must be a valid S3 bucket name')
    .default('eucora-artifacts'),
  /** S3 region; default `us-east-1`. */
  S3_REGION: z.string().min(1).default('us-east-1'),
  /** pino level; default `info`. */
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Largest accepted request body in bytes; default 1048576 (1 MiB). */
  MAX_BODY_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .max(512 * 1024 * 1024)
    .default(1024 * 1024),
  /** First ring status poll after a deploy, ms (doubles up to RING_POLL_MAX_MS); default 2000. */
  RING_POLL_INITIAL_MS: z.coerce.number().int().min(10).max(600_000).default(2000),
  /** Longest gap between ring status polls, ms; default 60000. */
  RING_POLL_MAX_MS: z.coerce.number().int().min(10).max(3_600_000).default(60_000),
  /** Object-lock mode of evidence packs: COMPLIANCE (production default) or GOVERNANCE (dev/test default). */
  EVIDENCE_RETENTION_MODE: z.enum(['COMPLIANCE', 'GOVERNANCE']).optional(),
  /** Days evidence packs are locked; default 2555 (7 years) in production, 1 otherwise. */
  EVIDENCE_RETENTION_DAYS: z.coerce.number().int().min(1).max(36_500).optional(),
  /** Keyring of the Ed25519 evidence signing keys (JSON, mode 0600). Required by the worker; `npm start` creates one in .data. */
  EVIDENCE_SIGNING_KEY_FILE: z.string().min(1).optional(),
  /** How often the API checkpoints audit chains (verify, sign the head into the WORM bucket), ms; 0 = only at verify; default 300000. */
  AUDIT_CHECKPOINT_INTERVAL_MS: z.coerce.number().int().min(0).max(86_400_000).default(300_000),
  /** New events since a tenant's last checkpoint that make the periodic job checkpoint it; default 1000. */
  AUDIT_CHECKPOINT_MIN_EVENTS: z.coerce.number().int().min(1).default(1000),
  /** Hosts the worker may fetch artifacts from (`artifact.sourceUrl`), comma-separated; default none. */
  ARTIFACT_URL_ALLOWLIST: z
    .string()
    .default('')
    .transform((v) =>
      v
        .split(',')
        .map((h) => h.trim().toLowerCase())
        .filter(Boolean),
    ),
  /**
   * What policy does with an intent whose bytes were never verified against its declared SHA-256: `deny`, or `flag` (allowed,
   * scored as unverified supply chain). Default `deny` when EUCORA_ENV=production, else `flag`.
   */
  ARTIFACT_UNVERIFIED: z.enum(['deny', 'flag']).optional(),
  /** Largest artifact accepted by upload or URL fetch, bytes; default 8 GiB. */
  ARTIFACT_MAX_BYTES: z.coerce
    .number()
    .int()
    .min(1)
    .default(8 * 1024 ** 3),
  /** 32-byte key (base64) that encrypts connector credentials at rest; `npm start` generates one. Required to configure connectors. */
  CONNECTOR_SECRET_KEY: z.string().min(40).optional(),
  /**
   * Key (≥ 32 bytes, base64) the API signs CAB decisions with and the worker verifies them with (HMAC-SHA256); `npm start` and
   * the test stack generate one. Unset: the API refuses to decide and the worker refuses every decision.
   */
  EUCORA_DECISION_KEY: z.string().min(43, 'must be at least 32 bytes, base64-encoded').optional(),
  /** The previous decision key, still accepted by the worker while a rotation rolls out; default none. */
  EUCORA_DECISION_KEY_PREVIOUS: z.string().min(43, 'must be at least 32 bytes, base64-encoded').optional(),
  /** Oldest signed CAB decision the workflow accepts, seconds; default 300. */
  EUCORA_DECISION_MAX_AGE_SECONDS: z.coerce.number().int().min(5).max(86_400).default(300),
  /** A ring whose plane reports no applicable device for this long after its deploy is skipped (`ring.skipped`), s; default 600. */
  RING_EMPTY_GRACE_SECONDS: z.coerce.number().int().min(0).max(86_400).default(600),
  /** Per-attempt timeout of a plane call, ms; default 30000. */
  CONNECTOR_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(30_000),
  /** Retries of a plane call after the first attempt (transient errors only); default 3. */
  CONNECTOR_RETRIES: z.coerce.number().int().min(0).max(10).default(3),
  /** Consecutive plane failures that open a breaker; default 5. */
  BREAKER_CONSECUTIVE_FAILURES: z.coerce.number().int().min(1).max(1000).default(5),
  /** Failure percentage (rolling 60 s, at least 20 calls) that opens a breaker; default 50. */
  BREAKER_ERROR_PERCENTAGE: z.coerce.number().int().min(1).max(100).default(50),
  /** Open breaker → half-open probe after this long, ms; default 60000. */
  BREAKER_RESET_MS: z.coerce.number().int().min(100).max(3_600_000).default(60_000),
  /** Microsoft Graph base URL of the Intune connector (demo: the agent-sim Intune simulator). Unset = no Intune connector. */
  INTUNE_GRAPH_URL: z.string().url().optional(),
  /** Token authority base URL (e.g. https://login.microsoftonline.com); default INTUNE_GRAPH_URL. */
  INTUNE_AUTHORITY_URL: z.string().url().optional(),
  /** Entra tenant id for the token request; default `common`. */
  INTUNE_TENANT_ID: z.string().min(1).default('common'),
  /** Client id of the Intune app registration. */
  INTUNE_CLIENT_ID: z.string().min(1).optional(),
  /** Client secret of the Intune app registration; never logged. */
  INTUNE_CLIENT_SECRET: z.string().min(1).optional(),
  /** Pause between two inventory sync runs of a tenant's plane, ms; default 900000 (15 min). */
  INVENTORY_SYNC_INTERVAL_MS: z.coerce.number().int().min(1000).max(86_400_000).default(900_000),
  /** Every Nth inventory sync run is full (the others incremental where the plane allows it); default 12. */
  INVENTORY_FULL_SYNC_EVERY: z.coerce.number().int().min(1).max(10_000).default(12),
  /** A device no sync has seen for this long is marked stale at the next full sync, ms; default 604800000 (7 days). */
  INVENTORY_STALE_AFTER_MS: z.coerce
    .number()
    .int()
    .min(0)
    .max(365 * 86_400_000)
    .default(7 * 86_400_000),
  /** The worker starts an inventory sync per tenant and configured plane; default true. */
  INVENTORY_SYNC_ENABLED: bool.default('true'),
  /** Per-dependency timeout of `/api/v1/health` checks in ms; default 1500. */
  HEALTH_TIMEOUT_MS: z.coerce.number().int().min(50).max(30_000).default(1500),
  // --- outbound URLs, rate limits, fairness, metrics (issue 8, findings 3, 6, 7) ---
  /** Hosts where outbound plain `http:` is allowed (`host`, `IP`, `CIDR`, optionally `:port`/`:lo-hi`), comma-separated; default none. */
  EUCORA_OUTBOUND_ALLOW_HTTP_HOSTS: z.string().default(''),
  /** Hosts/CIDRs (same syntax) whose private, loopback or link-local addresses outbound calls may reach; default none. */
  EUCORA_OUTBOUND_ALLOW_HOSTS: z.string().default(''),
  /** Requests per second refilled per API token (token bucket, per process); default 20. 0 disables. */
  EUCORA_RATE_LIMIT_TOKEN_RPS: z.coerce.number().min(0).max(100_000).default(20),
  /** Burst size per API token; default 100. */
  EUCORA_RATE_LIMIT_TOKEN_BURST: z.coerce.number().int().min(1).max(1_000_000).default(100),
  /** Requests per second refilled per tenant (all its tokens together, per process); default 50. 0 disables. */
  EUCORA_RATE_LIMIT_TENANT_RPS: z.coerce.number().min(0).max(100_000).default(50),
  /** Burst size per tenant; default 300. */
  EUCORA_RATE_LIMIT_TENANT_BURST: z.coerce.number().int().min(1).max(1_000_000).default(300),
  /** Most intents of one tenant whose workflows are started and still assessing; more wait for the dispatcher; default 20. */
  EUCORA_TENANT_MAX_ASSESSING: z.coerce.number().int().min(1).max(100_000).default(20),
  /** Dedicated bearer token for `/metrics` (besides `sre`/`admin` API tokens); at least 24 characters; default unset. */
  EUCORA_METRICS_TOKEN: z.string().min(24, 'must be at least 24 characters').optional(),
});

/** The validated, frozen configuration of the API and worker. */
export type ServiceConfig = Readonly<z.infer<typeof serviceEnvSchema>>;

/** Raised when the environment is invalid; the message names each variable and what is expected. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Validates an environment once into a frozen object, or throws `ConfigError` naming every bad variable. */
export function parseConfig<S extends z.ZodTypeAny>(schema: S, env: Record<string, string | undefined>): Readonly<z.infer<S>> {
  // Empty strings mean "unset" so `FOO= npm start` falls back to the default instead of failing obscurely.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const result = schema.safeParse(cleaned);
  if (!result.success) {
    const problems = result.error.issues.map((i) => `${i.path.join('.') || '(env)'} ${i.message}`);
    throw new ConfigError(problems);
  }
  return Object.freeze(result.data);
}

/** Environment of the admin CLI's database commands (`bootstrap`, `tenant create`): no storage settings needed. */
export const adminDbEnvSchema = serviceEnvSchema.pick({ DATABASE_URL: true, LOG_LEVEL: true });

/** Parses the service environment. */
export function loadServiceConfig(env: Record<string, string | undefined>): ServiceConfig {
  return parseConfig(serviceEnvSchema, env);
}

/**
 * Environment of `npm start` (the local stack launcher). Where `DATABASE_URL`, `TEMPORAL_ADDRESS` or `S3_ENDPOINT`
 * is set, that component is used as is and not started.
 */
export const stackEnvSchema = z.object({
  /** Where embedded data lives; default `.data` in the checkout. */
  EUCORA_DATA_DIR: z.string().min(1).optional(),
  /** Cache of the Temporal CLI and MinIO binaries; default `~/.cache/eucora/tools`. */
  EUCORA_TOOLS_DIR: z.string().min(1).optional(),
  /** Port of the embedded PostgreSQL; default 5544. */
  PG_PORT: port.default(5544),
  /** Port of the Temporal dev server's frontend; default 7233. */
  TEMPORAL_PORT: port.default(7233),
  /** Port of the Temporal Web UI; default 8233. */
  TEMPORAL_UI_PORT: port.default(8233),
  /** Port of the embedded MinIO S3 API; default 9000. */
  MINIO_PORT: port.default(9000),
  /** Port of the MinIO console; default 9001. */
  MINIO_CONSOLE_PORT: port.default(9001),
  /** API port; default 8080. */
  API_PORT: port.default(8080),
  /** Port of the agent-sim Intune simulator (demo mode); default 9401. */
  SIM_INTUNE_PORT: port.default(9401),
  DATABASE_URL: serviceEnvSchema.shape.DATABASE_URL.optional(),
  TEMPORAL_ADDRESS: z
    .string()
    .regex(/^[^\s:]+:\d+$/, 'must be host:port')
    .optional(),
  S3_ENDPOINT: z.string().url('must be a URL such as http://127.0.0.1:9000').optional(),
});

/** Validated launcher settings. */
export type StackConfig = Readonly<z.infer<typeof stackEnvSchema>>;
