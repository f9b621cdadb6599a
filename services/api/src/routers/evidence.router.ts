import { Router, type Request } from 'express';
import { InputError } from '@eucora/core';
import { authenticate, principalOf, requirePermission } from '../http/auth';
import { sendProblem } from '../http/problem';
import { EvidenceStorageError, type EvidenceService } from '../services/evidence.service';
import type { TokenService } from '../services/token.service';

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function intentQuery(req: Request): string {
  const intent = req.query.intent;
  if (typeof intent !== 'string' || !UUID_RE.test(intent)) {
    throw new InputError('Invalid query', [{ path: 'intent', message: 'is required: the intent id (UUID)' }]);
  }
  return intent;
}

function packId(req: Request): string {
  const id = String(req.params.id);
  if (!UUID_RE.test(id)) throw new InputError('Invalid evidence pack id', [{ path: 'id', message: 'must be a UUID' }]);
  return id;
}

/** What the evidence routes call: an `EvidenceService` (or a stub of it in router tests). */
export type EvidenceReads = Pick<EvidenceService, 'publishedKeys' | 'list' | 'get' | 'content' | 'verify'>;

/** `/api/v1/evidence/signing-keys` (public) and `/api/v1/evidence-packs` (auditors and CAB). */
export function evidenceRouter(tokens: TokenService, evidence: EvidenceReads): Router {
  const r = Router();
  r.get('/evidence/signing-keys', (_req, res) => void res.json(evidence.publishedKeys()));
  r.use('/evidence-packs', authenticate(tokens), requirePermission('evidence:read'));
  r.get('/evidence-packs', async (req, res) => void res.json(await evidence.list(principalOf(res), intentQuery(req))));
  r.get('/evidence-packs/:id', async (req, res) => void res.json(await evidence.get(principalOf(res), packId(req))));
  r.get('/evidence-packs/:id/content', async (req, res) => {
    let content: { bytes: Buffer; sha256: string };
    try {
      content = await evidence.content(principalOf(res), packId(req));
    } catch (err) {
      if (!(err instanceof EvidenceStorageError)) throw err;
      return sendProblem(res, {
        type: 'https://eucora.dev/problems/evidence-storage-unavailable',
        title: 'Evidence storage unavailable',
        status: 502,
        detail: err.message,
        instance: req.path,
      });
    }
    const { bytes, sha256 } = content;
    res.setHeader('Content-Type', 'application/json');
    res.setHeader('X-Content-SHA256', sha256);
    res.setHeader('Content-Disposition', `attachment; filename="${sha256}.json"`);
    res.end(bytes);
  });
  r.get('/evidence-packs/:id/verify', async (req, res) => void res.json(await evidence.verify(principalOf(res), packId(req))));
  return r;
}
