import express from 'express';
import { azureError, B64 } from '../graph-http';
import type { IntuneState } from '../intune-state';

/**
 * Fake Azure blob endpoint (contracts B "Blocks"): Put Block and Put Block List against the SAS URI a content file was
 * given. Register before any body parser: it reads the raw body.
 */
export function registerBlobRoutes(app: express.Express, state: IntuneState): void {
  app.put('/_blob/intunecontent/:blob', express.raw({ type: () => true, limit: '128mb' }), async (req, res) => {
    if (state.content.blockDelayMs > 0 && req.query.comp === 'block') await new Promise((r) => setTimeout(r, state.content.blockDelayMs));
    const fileId = String(req.params.blob).replace(/\.bin$/, '');
    const entry = state.filesById.get(fileId);
    const f = entry?.file;
    if (!f) return azureError(res, 404, 'BlobNotFound', 'The specified blob does not exist.');
    // A renewed, committed or expired upload's SAS no longer authenticates.
    if (!f.sas || req.query.sig !== f.sas.sig || Date.now() > f.sas.expiresAt) {
      return azureError(res, 403, 'AuthenticationFailed', 'Server failed to authenticate the request. Signature not valid or expired.');
    }
    if (f.isCommitted || !/^azureStorageUri(Request|Renewal)Success$/.test(f.uploadState)) {
      return azureError(res, 409, 'InvalidOperation', `The file is ${f.uploadState}; uploads are closed.`);
    }
    const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    if (req.query.comp === 'block') {
      if (req.header('x-ms-blob-type') !== 'BlockBlob') {
        return azureError(res, 400, 'MissingRequiredHeader', 'x-ms-blob-type: BlockBlob is required.');
      }
      const id = typeof req.query.blockid === 'string' ? req.query.blockid : '';
      const decoded = B64.test(id) ? Buffer.from(id, 'base64') : null;
      if (!decoded || decoded.length === 0 || decoded.length > 64 || decoded.toString('base64') !== id) {
        return azureError(res, 400, 'InvalidQueryParameterValue', 'blockid must be base64 of at most 64 bytes.');
      }
      const other = f.blocks.keys().next().value as string | undefined;
      if (other !== undefined && other.length !== id.length) {
        return azureError(res, 400, 'InvalidBlobOrBlock', 'All block ids of a blob must have the same length.');
      }
      if (body.length === 0 || body.length > 4000 * 1024 * 1024) {
        return azureError(res, 400, 'InvalidBlobOrBlock', 'Block size out of range.');
      }
      f.blocks.set(id, body);
      state.counts.blocksPut++;
      state.counts.blockBytesPut += body.length;
      return void res.status(201).end();
    }
    if (req.query.comp === 'blocklist') {
      const ids = [...body.toString('utf8').matchAll(/<(Latest|Uncommitted|Committed)>([^<]*)<\/\1>/g)].map((m) => m[2]!);
      if (ids.length === 0 || ids.length > 50_000) return azureError(res, 400, 'InvalidXmlDocument', 'BlockList is empty or malformed.');
      const parts: Buffer[] = [];
      for (const id of ids) {
        const b = f.blocks.get(id);
        if (!b) return azureError(res, 400, 'InvalidBlockList', `Block ${id} was not uploaded.`);
        parts.push(b);
      }
      f.blob = Buffer.concat(parts);
      return void res.status(201).end();
    }
    return azureError(res, 400, 'InvalidQueryParameterValue', 'comp must be block or blocklist.');
  });
}
