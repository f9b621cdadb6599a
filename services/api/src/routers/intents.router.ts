import { Router } from 'express';
import { InputError } from '@eucora/core';
import { ArtifactHashMismatchError, TooLargeError } from '@eucora/runtime';
import { authenticate, principalOf, requirePermission, type Authenticator } from '../http/auth';
import type { IntentService } from '../services/intent.service';
import type { ArtifactService } from '../services/artifact.service';
import { createIntentRequest, intentIdParam, intentSignalRequest, listIntentsRequest } from './intents.request';

/** What the intent routes call; requests reach it validated and typed. */
export type IntentRoutesService = Pick<IntentService, 'create' | 'list' | 'get' | 'timelineOf' | 'signal'>;

/** `/api/v1/deployment-intents`. */
export function intentsRouter(tokens: Authenticator, intents: IntentRoutesService, artifacts: ArtifactService): Router {
  const r = Router();
  // The artifact bytes stream through a hash; JSON parsing never touches this route's body.
  r.post('/artifacts', authenticate(tokens), requirePermission('intents:create'), async (req, res) => {
    // Refuse a declared oversize body before reading it; an undeclared (chunked) one is cut off by the service.
    const length = Number(req.header('content-length') ?? NaN);
    if (Number.isFinite(length) && length > artifacts.maxBytes) {
      res.setHeader('Connection', 'close');
      throw Object.assign(new Error('too large'), { type: 'entity.too.large', status: 413, limit: artifacts.maxBytes });
    }
    // A JSON (or form) body was already consumed by the parser; the bytes must come as the raw body.
    if (req.is(['application/json', 'application/*+json', 'application/x-www-form-urlencoded'])) {
      throw new InputError('Send the artifact bytes as the request body (Content-Type: application/octet-stream)', [
        { path: '(body)', message: 'must be the raw artifact bytes, not JSON or a form' },
      ]);
    }
    const name = req.header('x-file-name');
    const declared = req.header('x-artifact-sha256');
    if (declared !== undefined && !/^[a-f0-9]{64}$/.test(declared)) {
      res.setHeader('Connection', 'close');
      throw new InputError('Invalid X-Artifact-SHA256', [{ path: 'X-Artifact-SHA256', message: 'must be 64 lowercase hex digits' }]);
    }
    let check;
    try {
      const fileName = name && /^[\w .()-]{1,255}$/.test(name) ? name : undefined;
      check = await artifacts.upload(principalOf(res), req, { fileName, declaredSha256: declared });
    } catch (err) {
      if (err instanceof TooLargeError) {
        // Stop reading and let the server close the connection after the 413 instead of swallowing the rest.
        req.pause();
        res.setHeader('Connection', 'close');
        throw Object.assign(new Error(err.message), { type: 'entity.too.large', status: 413, limit: artifacts.maxBytes });
      }
      if (err instanceof ArtifactHashMismatchError) {
        throw new InputError('Artifact bytes do not match the declared SHA-256', [
          { path: 'X-Artifact-SHA256', message: `the uploaded bytes hash to ${err.measured}; nothing was kept` },
        ]);
      }
      throw err;
    }
    res.status(201).json(check);
  });
  r.use('/deployment-intents', authenticate(tokens));
  r.post('/deployment-intents', requirePermission('intents:create'), async (req, res) => {
    const { intent, replayed } = await intents.create(principalOf(res), createIntentRequest(req), res.locals.correlationId);
    if (replayed) res.setHeader('Idempotent-Replayed', 'true');
    res.status(201).location(`/api/v1/deployment-intents/${intent.id}`).json(intent);
  });
  r.get('/deployment-intents', requirePermission('intents:read'), async (req, res) => {
    res.json(await intents.list(principalOf(res), listIntentsRequest(req)));
  });
  r.get('/deployment-intents/:id/events', requirePermission('intents:read'), async (req, res) => {
    res.json(await intents.timelineOf(principalOf(res), intentIdParam(req)));
  });
  for (const kind of ['cancel', 'rollback'] as const) {
    r.post(`/deployment-intents/:id/${kind}`, requirePermission('intents:cancel'), async (req, res) => {
      const { id, reason } = intentSignalRequest(req, kind);
      const intent = await intents.signal(principalOf(res), id, kind, reason, res.locals.correlationId);
      res.status(202).json({ id: intent.id, state: intent.state, requested: kind });
    });
  }
  r.get('/deployment-intents/:id', requirePermission('intents:read'), async (req, res) => {
    res.json(await intents.get(principalOf(res), intentIdParam(req)));
  });
  return r;
}
