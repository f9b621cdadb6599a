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

/** Retention of evidence packs: COMPLIANCE for 7 years in production, GOVERNANCE for a day elsewhere, unless configured. */
export function evidenceRetention(config: Pick<ServiceConfig, 'EUCORA_ENV' | 'EVIDENCE_RETENTION_MODE' | 'EVIDENCE_RETENTION_DAYS'>): {
  mode: 'COMPLIANCE' | 'GOVERNANCE';
  days: number;
} {
  const prod = config.EUCORA_ENV === 'production';
  return {
    mode: config.EVIDENCE_RETENTION_MODE ?? (prod ? 'COMPLIANCE' : 'GOVERNANCE'),
    days: config.EVIDENCE_RETENTION_DAYS ?? (prod ? 2555 : 1),
  };
}

/**
 * Creates the evidence bucket with object lock enabled unless it exists (object lock can only be set at creation), and sets
 * its default retention. Each pack also gets an explicit retention after its write (see MinioEvidenceStore).
 */
export async function ensureEvidenceBucket(
  client: Client,
  bucket: string,
  region: string,
  retention?: { mode: 'COMPLIANCE' | 'GOVERNANCE'; days: number },
): Promise<'created' | 'exists'> {
  const exists = await client.bucketExists(bucket);
  if (!exists) await client.makeBucket(bucket, region, { ObjectLocking: true });
  if (retention) {
    await client.setObjectLockConfig(bucket, { mode: retention.mode as never, unit: 'Days' as never, validity: retention.days });
  }
  return exists ? 'exists' : 'created';
}
