import { Router } from 'express';
import { authenticate, principalOf, requirePermission } from '../http/auth';
import type { EvidenceService } from '../services/evidence.service';
import type { TokenService } from '../services/token.service';

/** `/api/v1/evidence/signing-keys` (public) and `/api/v1/evidence-packs` (auditors and CAB). */
export function evidenceRouter(tokens: TokenService, evidence: EvidenceService): Router {
  const r = Router();
  r.get('/evidence/signing-keys', (_req, res) => void res.json(evidence.publishedKeys()));
  r.use('/evidence-packs', authenticate(tokens), requirePermission('evidence:read'));
  r.get('/evidence-packs', async (req, res) => void res.json(await evidence.list(principalOf(res), req.query.intent)));
  r.get('/evidence-packs/:id', async (req, res) => void res.json(await evidence.get(principalOf(res), String(req.params.id))));
  r.get('/evidence-packs/:id/content', async (req, res) => {
    const { bytes, sha256 } = await evidence.content(principalOf(res), String(req.params.id));
    res.setHeader('Content-Type', 'application/json');
    res.setHeader('X-Content-SHA256', sha256);
    res.setHeader('Content-Disposition', `attachment; filename="${sha256}.json"`);
    res.end(bytes);
  });
  r.get('/evidence-packs/:id/verify', async (req, res) => void res.json(await evidence.verify(principalOf(res), String(req.params.id))));
  return r;
}
