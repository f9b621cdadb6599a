import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { DataSource } from 'typeorm';
import { InputError, type Principal } from '@eucora/core';
import { hashStream, TooLargeError } from '@eucora/runtime';

/** A recorded artifact check. */
export interface ArtifactCheck {
  id: string;
  sha256: string;
  sizeBytes: number;
  source: 'upload';
  fileName: string | null;
  createdAt: string;
}

/** Hashes uploaded artifacts as they stream in (nothing is buffered or kept) and records the result for intents. */
export class ArtifactService {
  constructor(private readonly ds: DataSource, readonly maxBytes: number) {}

  async upload(principal: Principal, body: Readable, fileName: string | undefined): Promise<ArtifactCheck> {
    let measured;
    try {
      measured = await hashStream(body, this.maxBytes);
    } catch (err) {
      if (err instanceof TooLargeError) {
        // Stop reading and let the server close the connection after the 413 instead of swallowing the rest.
        body.pause();
        throw Object.assign(new Error(err.message), { type: 'entity.too.large', status: 413, limit: this.maxBytes });
      }
      throw err;
    }
    if (measured.sizeBytes === 0) throw new InputError('Empty artifact', [{ path: '(body)', message: 'the request body must be the artifact bytes' }]);
    const id = randomUUID();
    const rows = await this.ds.query(
      `INSERT INTO artifact_checks (id, tenant_id, sha256, size_bytes, source, file_name, created_by) VALUES ($1,$2,$3,$4,'upload',$5,$6) RETURNING created_at`,
      [id, principal.tenantId, measured.sha256, measured.sizeBytes, fileName ?? null, principal.actor],
    );
    return { id, sha256: measured.sha256, sizeBytes: measured.sizeBytes, source: 'upload', fileName: fileName ?? null, createdAt: new Date(rows[0].created_at).toISOString() };
  }

  async exists(tenantId: string, id: string): Promise<boolean> {
    return (await this.ds.query(`SELECT 1 FROM artifact_checks WHERE tenant_id = $1 AND id = $2`, [tenantId, id])).length > 0;
  }
}
