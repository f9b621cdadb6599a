import { Router } from 'express';
import { PRODUCT_VERSION } from '@eucora/core';
import type { HealthService } from '../services/health.service';

/** `/api/v1/health`, `/api/v1/health/live` and `/api/v1/version`: unauthenticated, for load balancers and SREs. */
export function healthRouter(health: HealthService): Router {
  const r = Router();
  r.get('/health/live', (_req, res) => {
    res.json({ status: 'ok', version: PRODUCT_VERSION });
  });
  r.get('/health', async (_req, res) => {
    const report = await health.report();
    res.setHeader('Cache-Control', 'no-store');
    res.status(report.status === 'ok' ? 200 : 503).json(report);
  });
  r.get('/version', (_req, res) => {
    res.json({ version: PRODUCT_VERSION, api: 'v1' });
  });
  return r;
}
