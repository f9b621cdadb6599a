import { createDataSource } from '@eucora/persistence';
import { connectWithRetry, createLogger, loadConfigOrExit } from '@eucora/runtime';
import { createIntentWorker } from './worker';
import { installTemporalLogging } from './temporal-logging';
import { startInventoryScheduler } from './inventory-scheduler';

async function main(): Promise<void> {
  const config = loadConfigOrExit('worker');
  const logger = createLogger({ service: 'worker', level: config.LOG_LEVEL });
  installTemporalLogging(logger, config.LOG_LEVEL);
  const ds = createDataSource({ url: config.DATABASE_URL, poolSize: config.DATABASE_POOL_SIZE, applicationName: 'eucora-worker' });
  await connectWithRetry('database', () => ds.initialize(), logger);
  const { worker, connection } = await connectWithRetry('temporal', () => createIntentWorker({ config, ds, logger }), logger);
  logger.info({ taskQueue: config.TEMPORAL_TASK_QUEUE, namespace: config.TEMPORAL_NAMESPACE }, 'worker ready');
  const scheduler = config.INVENTORY_SYNC_ENABLED ? await startInventoryScheduler({ config, ds, logger }) : undefined;
  // The Temporal runtime drains the worker on SIGINT/SIGTERM; run() resolves once it has.
  await worker.run();
  await scheduler?.stop();
  await connection.close();
  await ds.destroy();
  logger.info('worker stopped');
}

main().catch((err) => {
  process.stderr.write(`eucora worker: failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
