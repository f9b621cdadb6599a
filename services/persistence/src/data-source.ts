import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { TenantEntity } from './entities/tenant.entity';
import { ApiTokenEntity } from './entities/api-token.entity';
import { DeploymentIntentEntity } from './entities/deployment-intent.entity';
import { IdempotencyKeyEntity } from './entities/idempotency-key.entity';
import { EventChainHeadEntity, EventEntity } from './entities/event.entity';

export const ENTITIES = [TenantEntity, ApiTokenEntity, DeploymentIntentEntity, IdempotencyKeyEntity, EventEntity, EventChainHeadEntity];

/** Options of the application's connection pool. */
export interface DataSourceOptions {
  /** postgres:// URL of the application role. */
  url: string;
  /** Pool size; default 10. */
  poolSize?: number;
  /** Name reported in pg_stat_activity; default `eucora`. */
  applicationName?: string;
}

/** Creates (but does not initialise) the application DataSource. Schema comes only from migrations, never `synchronize`. */
export function createDataSource(opts: DataSourceOptions): DataSource {
  return new DataSource({
    type: 'postgres',
    url: opts.url,
    entities: ENTITIES,
    synchronize: false,
    migrationsRun: false,
    logging: false,
    poolSize: opts.poolSize ?? 10,
    applicationName: opts.applicationName ?? 'eucora',
    // Short connect timeout so a dead database shows up in health checks quickly instead of hanging requests.
    extra: { connectionTimeoutMillis: 3000, statement_timeout: 15_000, idle_in_transaction_session_timeout: 30_000 },
  });
}

/** One round trip on the pool (`SELECT 1`): the health endpoint's database probe. */
export async function pingDatabase(ds: DataSource): Promise<void> {
  await ds.query('SELECT 1');
}
