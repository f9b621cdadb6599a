import { randomBytes, randomUUID } from 'node:crypto';
import type express from 'express';
import type { Request, RequestHandler } from 'express';
import { verifyCommit } from '../content-commit';
import { B64, CAST, findApp, findCv, findFile, graphError } from '../graph-http';
import type { IntuneContentConfig, IntuneState, SimContentVersion, SimFile } from '../intune-state';

function fileView(f: SimFile) {
  return {
    '@odata.type': '#microsoft.graph.mobileAppContentFile',
    id: f.id,
    name: f.name,
    size: f.size,
    sizeEncrypted: f.sizeEncrypted,
    sizeInBytes: f.size,
    sizeEncryptedInBytes: f.sizeEncrypted,
    manifest: null,
    isDependency: false,
    uploadState: f.uploadState,
    azureStorageUri: f.azureStorageUri,
    azureStorageUriExpirationDateTime: f.sas ? new Date(f.sas.expiresAt).toISOString() : null,
    isCommitted: f.isCommitted,
    createdDateTime: f.createdDateTime,
  };
}

/** A SAS URI on this listener's fake blob endpoint (blob-storage.ts), valid for `sasLifetimeMs`. */
function issueSas(state: { content: IntuneContentConfig }, req: Request, f: SimFile): void {
  const sig = randomBytes(18).toString('base64url');
  const expiresAt = Date.now() + state.content.sasLifetimeMs;
  f.sas = { sig, expiresAt };
  const se = encodeURIComponent(new Date(expiresAt).toISOString());
  f.azureStorageUri = `http://${req.headers.host}/_blob/intunecontent/${f.id}.bin?sv=2019-12-12&sr=b&se=${se}&sp=rcw&sig=${sig}`;
}

/**
 * The content state machine under `base` (contracts §1 steps 2–6): content versions, files with `uploadState`, SAS issue
 * on a later GET, `renewUpload`, and `commit`, which settles to commitFileSuccess only if the uploaded bytes verify.
 */
export function registerContentRoutes(app: express.Express, state: IntuneState, authed: RequestHandler, base: string): void {
  const v1 = base.startsWith('/v1.0');
  // contracts §1 step 2.
  app.post(`${base}/mobileApps/:id${CAST}/contentVersions`, authed, (req, res) => {
    const a = findApp(state, req, res);
    if (!a) return;
    const cv: SimContentVersion = { id: String(a.contentVersions.size + 1), files: new Map() };
    a.contentVersions.set(cv.id, cv);
    state.counts.contentVersionsByApp[a.id] = (state.counts.contentVersionsByApp[a.id] ?? 0) + 1;
    res.status(201).json({ '@odata.type': '#microsoft.graph.mobileAppContent', id: cv.id });
  });
  app.get(`${base}/mobileApps/:id${CAST}/contentVersions`, authed, (req, res) => {
    const a = findApp(state, req, res);
    if (a) {
      res.json({
        value: [...a.contentVersions.values()].map((cv) => ({
          '@odata.type': '#microsoft.graph.mobileAppContent',
          id: cv.id,
        })),
      });
    }
  });
  app.get(`${base}/mobileApps/:id${CAST}/contentVersions/:cv`, authed, (req, res) => {
    const x = findCv(state, req, res);
    if (x) res.json({ '@odata.type': '#microsoft.graph.mobileAppContent', id: x.cv.id });
  });
  // contracts §1 step 3 (+ Corrections: v1.0 sizeInBytes / sizeEncryptedInBytes).
  app.post(`${base}/mobileApps/:id${CAST}/contentVersions/:cv/files`, authed, (req, res) => {
    const x = findCv(state, req, res);
    if (!x) return;
    const b = (req.body ?? {}) as Record<string, unknown>;
    if (b['@odata.type'] !== '#microsoft.graph.mobileAppContentFile') {
      return graphError(res, 400, 'BadRequest', '@odata.type must be #microsoft.graph.mobileAppContentFile');
    }
    const size = b.size ?? (v1 ? b.sizeInBytes : undefined);
    const sizeEncrypted = b.sizeEncrypted ?? (v1 ? b.sizeEncryptedInBytes : undefined);
    if (typeof b.name !== 'string' || !b.name) return graphError(res, 400, 'BadRequest', 'name is required');
    if (!Number.isInteger(size) || !Number.isInteger(sizeEncrypted) || (size as number) <= 0) {
      return graphError(res, 400, 'BadRequest', 'size and sizeEncrypted must be integers');
    }
    if ((sizeEncrypted as number) < (size as number) + 48 || (sizeEncrypted as number) > (size as number) + 64) {
      return graphError(res, 400, 'BadRequest', 'sizeEncrypted does not fit size (48 + PKCS7 padding)');
    }
    const disagree = (k: string, v: unknown) => b[k] !== undefined && b[k] !== v;
    if (v1 && (disagree('sizeInBytes', size) || disagree('sizeEncryptedInBytes', sizeEncrypted))) {
      return graphError(res, 400, 'BadRequest', 'sizeInBytes / sizeEncryptedInBytes disagree with size / sizeEncrypted');
    }
    if (b.isDependency !== false) return graphError(res, 400, 'BadRequest', 'isDependency must be false');
    const f: SimFile = {
      id: randomUUID(),
      name: b.name,
      size: size as number,
      sizeEncrypted: sizeEncrypted as number,
      uploadState: 'azureStorageUriRequestPending',
      pendingOutcome: 'azureStorageUriRequestSuccess',
      settlesAt: Date.now() + state.content.processingMs,
      azureStorageUri: null,
      sas: null,
      isCommitted: false,
      createdDateTime: new Date().toISOString(),
      blocks: new Map(),
      blob: null,
    };
    x.cv.files.set(f.id, f);
    state.filesById.set(f.id, { app: x.a, file: f });
    state.counts.contentFilesByApp[x.a.id] = (state.counts.contentFilesByApp[x.a.id] ?? 0) + 1;
    res.status(201).json(fileView(f));
  });
  app.get(`${base}/mobileApps/:id${CAST}/contentVersions/:cv/files`, authed, (req, res) => {
    const x = findCv(state, req, res);
    if (!x) return;
    for (const f of x.cv.files.values()) state.settle(x.a, f);
    res.json({ value: [...x.cv.files.values()].map((f) => fileView(f)) });
  });
  // contracts §1 step 4: pending → success on a later GET, then azureStorageUri is set.
  app.get(`${base}/mobileApps/:id${CAST}/contentVersions/:cv/files/:file`, authed, (req, res) => {
    const x = findFile(state, req, res);
    if (!x) return;
    if (/^azureStorageUri(Request|Renewal)Success$/.test(x.f.uploadState) && !x.f.azureStorageUri) issueSas(state, req, x.f);
    res.json(fileView(x.f));
  });
  // contracts B "After 450,000 ms … renewUpload": only an open upload can be renewed; the old SAS stops working.
  app.post(`${base}/mobileApps/:id${CAST}/contentVersions/:cv/files/:file/renewUpload`, authed, (req, res) => {
    const x = findFile(state, req, res);
    if (!x) return;
    if (!/^azureStorageUri(Request|Renewal)Success$/.test(x.f.uploadState)) {
      return graphError(res, 400, 'BadRequest', `Cannot renew an upload in state ${x.f.uploadState}`);
    }
    x.f.uploadState = 'azureStorageUriRenewalPending';
    x.f.pendingOutcome = 'azureStorageUriRenewalSuccess';
    x.f.settlesAt = Date.now() + state.content.processingMs;
    x.f.azureStorageUri = null;
    x.f.sas = null;
    state.counts.renewals++;
    res.status(204).end();
  });
  // contracts §1 step 6: commit with fileEncryptionInfo; the file settles to commitFileSuccess only if the bytes verify.
  app.post(`${base}/mobileApps/:id${CAST}/contentVersions/:cv/files/:file/commit`, authed, (req, res) => {
    const x = findFile(state, req, res);
    if (!x) return;
    if (x.f.isCommitted) return graphError(res, 400, 'BadRequest', 'The file is already committed');
    if (!/^azureStorageUri(Request|Renewal)Success$/.test(x.f.uploadState)) {
      return graphError(res, 400, 'BadRequest', `Cannot commit a file in state ${x.f.uploadState}`);
    }
    const info = (req.body as { fileEncryptionInfo?: Record<string, unknown> }).fileEncryptionInfo;
    if (!info || typeof info !== 'object') return graphError(res, 400, 'BadRequest', 'fileEncryptionInfo is required');
    for (const k of ['encryptionKey', 'macKey', 'initializationVector', 'mac', 'fileDigest']) {
      if (typeof info[k] !== 'string' || !B64.test(info[k] as string)) {
        return graphError(res, 400, 'BadRequest', `fileEncryptionInfo.${k} must be base64`);
      }
    }
    if (info.profileIdentifier !== 'ProfileVersion1' || info.fileDigestAlgorithm !== 'SHA256') {
      return graphError(res, 400, 'BadRequest', 'profileIdentifier must be ProfileVersion1 and fileDigestAlgorithm SHA256');
    }
    const problem = verifyCommit(x.f, info);
    x.f.commitError = problem ?? undefined;
    x.f.uploadState = 'commitFilePending';
    x.f.pendingOutcome = problem ? 'commitFileFailed' : 'commitFileSuccess';
    x.f.settlesAt = Date.now() + state.content.processingMs;
    x.f.sas = null;
    x.f.azureStorageUri = null;
    res.status(200).end();
  });
}
