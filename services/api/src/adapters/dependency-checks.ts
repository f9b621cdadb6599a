import type { DataSource } from 'typeorm';
import { pingDatabase } from '@eucora/persistence';
import type { Connection } from '@temporalio/client';
import type { Client as MinioClient } from 'minio';
import type { DependencyCheck } from '../services/health.service';

/** PostgreSQL: a round trip on the application pool. */
export function databaseCheck(ds: DataSource): DependencyCheck {
  return { name: 'database', check: () => pingDatabase(ds) };
}

/** Temporal: the frontend's gRPC health service. */
export function temporalCheck(connection: Connection, namespace: string): DependencyCheck {
  return {
    name: 'temporal',
    check: async (signal, timeoutMs) => {
      await connection.withAbortSignal(signal, () =>
        connection.withDeadline(Date.now() + timeoutMs, () => connection.workflowService.describeNamespace({ namespace })),
      );
    },
  };
}

/** Object store: the evidence bucket exists and answers. */
export function objectStoreCheck(client: MinioClient, bucket: string): DependencyCheck {
  return {
    name: 'objectStore',
    check: async () => {
      const exists = await client.bucketExists(bucket);
      if (!exists) throw new Error(`bucket ${bucket} is missing`);
    },
  };
}
