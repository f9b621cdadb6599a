import { Client } from 'minio';
import type { ServiceConfig } from '@eucora/core';

/** A MinIO/S3 client for `S3_ENDPOINT`. */
export function createMinioClient(config: Pick<ServiceConfig, 'S3_ENDPOINT' | 'S3_ACCESS_KEY' | 'S3_SECRET_KEY' | 'S3_REGION'>): Client {
  const url = new URL(config.S3_ENDPOINT);
  const useSSL = url.protocol === 'https:';
  return new Client({
    endPoint: url.hostname,
    port: url.port ? Number(url.port) : useSSL ? 443 : 80,
    useSSL,
    accessKey: config.S3_ACCESS_KEY,
    secretKey: config.S3_SECRET_KEY,
    region: config.S3_REGION,
  });
}

/** Creates the evidence bucket with object lock enabled unless it exists. Object lock can only be set at creation. */
export async function ensureEvidenceBucket(client: Client, bucket: string, region: string): Promise<'created' | 'exists'> {
  if (await client.bucketExists(bucket)) return 'exists';
  await client.makeBucket(bucket, region, { ObjectLocking: true });
  return 'created';
}
