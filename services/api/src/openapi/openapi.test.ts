import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { buildOpenApiDocument } from './openapi';

describe('OpenAPI document', () => {
  it('is 3.1, generated from the request schemas, and lists every route', () => {
    const doc = buildOpenApiDocument() as {
      openapi: string;
      paths: Record<string, object>;
      components: { schemas: Record<string, { properties?: Record<string, unknown>; required?: string[] }> };
    };
    assert.equal(doc.openapi, '3.1.0');
    for (const p of [
      '/api/v1/deployment-intents',
      '/api/v1/deployment-intents/{id}',
      '/api/v1/cab/items/{id}/approve',
      '/api/v1/exceptions',
      '/api/v1/evidence-packs/{id}/verify',
      '/api/v1/audit/verify',
      '/api/v1/health',
      '/api/v1/devices',
    ]) {
      assert.ok(doc.paths[p], p);
    }
    const intent = doc.components.schemas.CreateDeploymentIntent!;
    assert.ok(intent.required?.includes('artifact'));
    assert.ok(intent.properties?.rollbackPlan);
  });
});
