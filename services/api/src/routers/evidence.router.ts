import { Router } from 'express';
import { authenticate, principalOf, requirePermission } from '../http/auth';
import { sendProblem } from '../http/problem';
import { EvidenceStorageError, type EvidenceService } from '../services/evidence.service';
import type { TokenService } from '../services/token.service';

/** `/api/v1/evidence/signing-keys` (public) and `/api/v1/evidence-packs` (auditors and CAB). */
export function evidenceRouter(tokens: TokenService, evidence: EvidenceService): Router {
  const r = Router();
  r.get('/evidence/signing-keys', (_req, res) => void res.json(evidence.publishedKeys()));
  r.use('/evidence-packs', authenticate(tokens), requirePermission('evidence:read'));
  r.get('/evidence-packs', async (req, res) => void res.json(await evidence.list(principalOf(res), req.query.intent)));
  r.get('/evidence-packs/:id', async (req, res) => void res.json(await evidence.get(principalOf(res), String(req.params.id))));
  r.get('/evidence-packs/:id/content', async (req, res) => {
    let content: { bytes: Buffer; sha256: string };
    try {
      content = await evidence.content(principalOf(res), String(req.params.id));
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
  r.get('/evidence-packs/:id/verify', async (req, res) => void res.json(await evidence.verify(principalOf(res), String(req.params.id))));
  return r;
}
