import { Router } from 'express';
import swaggerUi from 'swagger-ui-express';
import { buildOpenApiDocument } from '../openapi/openapi';

/** `/api/v1/openapi.json` and the browsable `/api/docs`. */
export function docsRouter(): Router {
  const doc = buildOpenApiDocument();
  const r = Router();
  r.get('/api/v1/openapi.json', (_req, res) => {
    res.json(doc);
  });
  r.use('/api/docs', swaggerUi.serve, swaggerUi.setup(doc));
  return r;
}
