#!/usr/bin/env node
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { adminDbEnvSchema, ConfigError, loadServiceConfig, parseConfig } from '@eucora/core';
import { createDataSource } from '@eucora/persistence';
import { enableAppRoleLogin, runMigrations } from '@eucora/migrations';
import {
  connectWithRetry,
  createLogger,
  createMinioClient,
  ensureAppStorageUser,
  ensureEvidenceBucket,
  ensureKeyring,
  evidenceRetention,
  MinioArtifactStore,
  rotateKeyring,
} from '@eucora/runtime';
import { bootstrapIfEmpty, createTenantWithAdmin } from './services/bootstrap.service';
import { bootstrapStores } from './stores';

const USAGE = `usage: eucora-admin <command>
  setup                      apply migrations (as DATABASE_MIGRATION_URL), enable login of role eucora_app when
                             EUCORA_APP_DB_PASSWORD is set, create the evidence bucket (object lock) with the root
                             S3 keys, and the app's least-privilege MinIO user when EUCORA_APP_S3_ACCESS_KEY/_SECRET_KEY are set
  bootstrap                  create the default tenant and print its admin token, only if no tenant exists (JSON)
  tenant create <slug> <name>  create a tenant and print its first admin token (JSON)
  evidence-keys init <file>    create an evidence signing keyring (Ed25519) unless it exists
  evidence-keys rotate <file>  add a new signing key and make it active; old keys stay published for verification
bootstrap and tenant create need only DATABASE_URL; run from a checkout next to \`npm start\` they read it from
.data/secrets.json (EUCORA_DATA_DIR, PG_PORT) when it is unset`;

/**
 * DATABASE_URL of the application role of a local `npm start`, from its secrets file, so the admin commands work next
 * to it without a hand-built URL. Undefined when there is no such file.
 */
function localStackDatabaseUrl(env: NodeJS.ProcessEnv): string | undefined {
  const root = path.resolve(__dirname, '..', '..', '..');
  const file = path.join(path.resolve(env.EUCORA_DATA_DIR || path.join(root, '.data')), 'secrets.json');
  if (!existsSync(file)) return undefined;
  const secrets = JSON.parse(readFileSync(file, 'utf8')) as { appDbPassword?: string };
  if (!secrets.appDbPassword) return undefined;
  return `postgres://eucora_app:${encodeURIComponent(secrets.appDbPassword)}@127.0.0.1:${env.PG_PORT || 5544}/eucora`;
}

async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  if (!cmd || cmd === '--help' || cmd === '-h') {
    process.stdout.write(`${USAGE}\n`);
    return cmd ? 0 : 2;
  }
  if (cmd === 'evidence-keys' && (rest[0] === 'init' || rest[0] === 'rotate') && rest[1]) {
    if (rest[0] === 'init') process.stdout.write(`${JSON.stringify({ created: ensureKeyring(rest[1]), file: rest[1] })}\n`);
    else process.stdout.write(`${JSON.stringify({ activeKeyId: rotateKeyring(rest[1]), file: rest[1] })}\n`);
    return 0;
  }
  if (cmd === 'setup') {
    const config = loadServiceConfig(process.env);
    const ownerUrl = process.env.DATABASE_MIGRATION_URL || config.DATABASE_URL;
    const report = await runMigrations(ownerUrl);
    const appPassword = process.env.EUCORA_APP_DB_PASSWORD;
    if (appPassword) await enableAppRoleLogin(ownerUrl, appPassword);
    // S3_ACCESS_KEY/S3_SECRET_KEY are the root keys here; the API and worker get the app user's keys instead.
    const minio = createMinioClient(config);
    const bucket = await ensureEvidenceBucket(minio, config.S3_BUCKET, config.S3_REGION, evidenceRetention(config));
    // Artifacts are content-addressed and replaced only by identical bytes: no object lock, so superseded ones can be purged.
    const artifacts = await new MinioArtifactStore(minio, config.S3_ARTIFACT_BUCKET, config.S3_REGION).ensureBucket();
    const appKey = process.env.EUCORA_APP_S3_ACCESS_KEY;
    const appSecret = process.env.EUCORA_APP_S3_SECRET_KEY;
    if (appKey && appSecret) {
      await ensureAppStorageUser(
        { endpoint: config.S3_ENDPOINT, accessKey: config.S3_ACCESS_KEY, secretKey: config.S3_SECRET_KEY, region: config.S3_REGION },
        { accessKey: appKey, secretKey: appSecret },
        [config.S3_BUCKET, config.S3_ARTIFACT_BUCKET],
        [`${config.S3_ARTIFACT_BUCKET}/*/tmp/*`],
      );
    }
    const storageUser = appKey && appSecret ? { accessKey: appKey, status: 'ensured' } : null;
    const buckets = { name: config.S3_BUCKET, status: bucket, artifacts: { name: config.S3_ARTIFACT_BUCKET, status: artifacts } };
    process.stdout.write(`${JSON.stringify({ migrationsApplied: report.applied, bucket: buckets, storageUser })}\n`);
    return 0;
  }
  const config = parseConfig(adminDbEnvSchema, {
    ...process.env,
    DATABASE_URL: process.env.DATABASE_URL || localStackDatabaseUrl(process.env),
  });
  const level = config.LOG_LEVEL === 'info' ? 'warn' : config.LOG_LEVEL;
  const logger = createLogger({ service: 'admin-cli', level, destination: process.stderr as never });
  const ds = createDataSource({ url: config.DATABASE_URL, poolSize: 2, applicationName: 'eucora-admin' });
  await connectWithRetry('database', () => ds.initialize(), logger, 20);
  try {
    if (cmd === 'bootstrap') {
      const result = await bootstrapIfEmpty(bootstrapStores(ds));
      const out = result
        ? { created: true, tenantId: result.tenantId, slug: result.slug, token: result.adminToken.token }
        : { created: false };
      process.stdout.write(`${JSON.stringify(out)}\n`);
      return 0;
    }
    if (cmd === 'tenant' && rest[0] === 'create' && rest[1] && rest[2]) {
      const result = await createTenantWithAdmin(bootstrapStores(ds), rest[1], rest.slice(2).join(' '));
      process.stdout.write(`${JSON.stringify({ tenantId: result.tenantId, slug: result.slug, token: result.adminToken.token })}\n`);
      return 0;
    }
    process.stderr.write(`${USAGE}\n`);
    return 2;
  } finally {
    await ds.destroy();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    const message = err instanceof ConfigError ? err.message : err instanceof Error ? err.message : String(err);
    process.stderr.write(`eucora-admin: ${message}\n`);
    process.exit(1);
  },
);
