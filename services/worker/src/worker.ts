import { NativeConnection, Worker } from '@temporalio/worker';
import type { DataSource } from 'typeorm';
import type { ServiceConfig } from '@eucora/core';
import { createIntentActivities, WORKFLOWS_PATH } from '@eucora/workflows';
import { PostgresIntentActivityStore } from './adapters/postgres-intent-activity-store';

/** Options for building a worker; tests override the task queue to isolate themselves. */
export interface WorkerOptions {
  config: Pick<ServiceConfig, 'TEMPORAL_ADDRESS' | 'TEMPORAL_NAMESPACE' | 'TEMPORAL_TASK_QUEUE' | 'TEMPORAL_TLS'>;
  ds: DataSource;
  /** Defaults to `config.TEMPORAL_TASK_QUEUE`. */
  taskQueue?: string;
}

/** Connects to Temporal and builds a worker with real adapters. The caller runs and shuts it down. */
export async function createIntentWorker(opts: WorkerOptions): Promise<{ worker: Worker; connection: NativeConnection }> {
  const connection = await NativeConnection.connect({
    address: opts.config.TEMPORAL_ADDRESS,
    tls: opts.config.TEMPORAL_TLS ? {} : undefined,
  });
  const worker = await Worker.create({
    connection,
    namespace: opts.config.TEMPORAL_NAMESPACE,
    taskQueue: opts.taskQueue ?? opts.config.TEMPORAL_TASK_QUEUE,
    workflowsPath: WORKFLOWS_PATH,
    activities: createIntentActivities(new PostgresIntentActivityStore(opts.ds)),
  });
  return { worker, connection };
}
