import { extendZodWithOpenApi, OpenApiGeneratorV31, OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';

// Patches zod's prototype once, so the core schemas (built with the same zod) can be registered as they are.
extendZodWithOpenApi(z);
import { createIntentSchema, PRODUCT_VERSION } from '@eucora/core';
import { createTokenSchema } from '../routers/admin-tokens.request';
import { approveSchema, rejectSchema } from '../routers/cab.request';
import { createExceptionSchema } from '../routers/exceptions.request';
import { listDevicesQuerySchema, listIntentDevicesQuerySchema } from '../routers/devices.request';

const problem = z.object({
  type: z.string(),
  title: z.string(),
  status: z.number().int(),
  detail: z.string(),
  instance: z.string().optional(),
  correlation_id: z.string().optional(),
  errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
});

/** The OpenAPI 3.1 document, generated from the same zod schemas that validate requests. */
export function buildOpenApiDocument(): object {
  const registry = new OpenAPIRegistry();
  registry.registerComponent('securitySchemes', 'bearer', { type: 'http', scheme: 'bearer' });
  const Problem = registry.register('Problem', problem);
  const CreateIntent = registry.register('CreateDeploymentIntent', createIntentSchema);
  const CreateToken = registry.register('CreateToken', createTokenSchema);
  const problemResponse = (description: string) => ({ description, content: { 'application/problem+json': { schema: Problem } } });
  /** A JSON request body of `schema`. */
  const jsonBody = (schema: z.ZodTypeAny) => ({ body: { content: { 'application/json': { schema } } } });
  const errors = {
    400: problemResponse('Invalid input'),
    401: problemResponse('Missing or invalid token'),
    403: problemResponse('Role lacks the permission'),
  };

  registry.registerPath({
    method: 'get',
    path: '/api/v1/health/live',
    summary: 'Liveness',
    responses: { 200: { description: 'Process is up' } },
  });
  registry.registerPath({
    method: 'get',
    path: '/api/v1/health',
    summary: 'Readiness: PostgreSQL, Temporal and the object store, each with status and latency',
    responses: { 200: { description: 'All dependencies up' }, 503: { description: 'At least one dependency down' } },
  });
  registry.registerPath({
    method: 'get',
    path: '/api/v1/version',
    summary: 'Product version',
    responses: { 200: { description: 'Version' } },
  });
  registry.registerPath({
    method: 'post',
    path: '/api/v1/deployment-intents',
    summary: 'File a deployment intent (idempotent by Idempotency-Key)',
    security: [{ bearer: [] }],
    request: {
      headers: z.object({ 'Idempotency-Key': z.string().min(8).max(200) }),
      ...jsonBody(CreateIntent),
    },
    responses: {
      201: { description: 'Created (or replayed: header Idempotent-Replayed: true)' },
      ...errors,
      409: problemResponse('Key reused with another body'),
      413: problemResponse('Body too large'),
    },
  });
  registry.registerPath({
    method: 'get',
    path: '/api/v1/deployment-intents/{id}',
    summary: 'An intent with its state, timeline and live ring progress (ringProgress: targeted/succeeded/failed/pending per ring)',
    security: [{ bearer: [] }],
    request: { params: z.object({ id: z.string().uuid() }) },
    responses: { 200: { description: 'The intent' }, ...errors, 404: problemResponse('Unknown in this tenant') },
  });
  registry.registerPath({
    method: 'post',
    path: '/api/v1/admin/tokens',
    summary: 'Issue a token (the secret is shown once)',
    security: [{ bearer: [] }],
    request: jsonBody(CreateToken),
    responses: { 201: { description: 'Issued' }, ...errors },
  });
  registry.registerPath({
    method: 'get',
    path: '/api/v1/admin/tokens',
    summary: 'List tokens (never secrets)',
    security: [{ bearer: [] }],
    responses: { 200: { description: 'Tokens' }, ...errors },
  });
  for (const action of ['disable', 'rotate'] as const) {
    registry.registerPath({
      method: 'post',
      path: `/api/v1/admin/tokens/{id}/${action}`,
      summary: action === 'disable' ? 'Disable a token' : 'Rotate a token: the old one stops working, the new secret is shown once',
      security: [{ bearer: [] }],
      request: { params: z.object({ id: z.string().uuid() }) },
      responses: { [action === 'disable' ? 200 : 201]: { description: 'Done' }, ...errors, 404: problemResponse('Unknown in this tenant') },
    });
  }
  const bearer = [{ bearer: [] }];
  registry.registerPath({
    method: 'get',
    path: '/api/v1/devices',
    summary: 'The tenant device inventory as synced from the planes (filters plane, group, platform; keyset cursor)',
    security: bearer,
    request: { query: listDevicesQuerySchema },
    responses: { 200: { description: '{items, nextCursor}' }, ...errors },
  });
  registry.registerPath({
    method: 'get',
    path: '/api/v1/deployment-intents/{id}/devices',
    summary: "An intent's ring devices with state, last change and error code/message (filters ring, state; keyset cursor)",
    security: bearer,
    request: { params: z.object({ id: z.string().uuid() }), query: listIntentDevicesQuerySchema },
    responses: {
      200: { description: '{items: [{deviceKey, name, ring, state, changedAt, errorCode, errorMessage}], nextCursor}' },
      ...errors,
      404: problemResponse('Unknown in this tenant'),
    },
  });
  const idParam = { params: z.object({ id: z.string().uuid() }) };
  const simple: [string, 'get' | 'post', string, object?][] = [
    ['/api/v1/deployment-intents', 'get', 'List intents (filters state, plane, submitter, riskBand; cursor pagination)'],
    ['/api/v1/deployment-intents/{id}/events', 'get', 'Timeline of an intent'],
    ['/api/v1/deployment-intents/{id}/cancel', 'post', 'Cancel a running intent (deployed rings are rolled back)'],
    ['/api/v1/deployment-intents/{id}/rollback', 'post', 'Roll back every deployed ring of a running intent'],
    ['/api/v1/cab/items', 'get', 'CAB queue, newest request first (status=pending by default; limit, cursor pagination)'],
    ['/api/v1/cab/items/{id}', 'get', 'One CAB item with risk breakdown, policy reasons, evidence hash and decisions'],
    [
      '/api/v1/cab/items/{id}/approve',
      'post',
      'Approve, bound to the evidence hash',
      jsonBody(registry.register('CabApprove', approveSchema)),
    ],
    ['/api/v1/cab/items/{id}/reject', 'post', 'Reject with a comment', jsonBody(registry.register('CabReject', rejectSchema))],
    ['/api/v1/exceptions', 'post', 'Request a time-boxed exception', jsonBody(registry.register('CreateException', createExceptionSchema))],
    ['/api/v1/exceptions', 'get', 'List exceptions, newest first (filters status, packageName; limit, cursor pagination)'],
    ['/api/v1/exceptions/{id}/approve', 'post', 'Approve an exception (security reviewer)'],
    ['/api/v1/exceptions/{id}/reject', 'post', 'Reject an exception (security reviewer)'],
    [
      '/api/v1/artifacts',
      'post',
      'Upload artifact bytes (application/octet-stream; optional X-Artifact-SHA256): verified, kept in the content store by SHA-256',
    ],
    ['/api/v1/evidence/signing-keys', 'get', 'Public keys of evidence signatures'],
    ['/api/v1/evidence-packs', 'get', 'Evidence packs of an intent (?intent=)'],
    ['/api/v1/evidence-packs/{id}', 'get', 'Evidence pack metadata, retention and signature'],
    ['/api/v1/evidence-packs/{id}/content', 'get', 'The stored pack bytes'],
    ['/api/v1/evidence-packs/{id}/verify', 'get', 'Re-verify storage, signature and chain'],
    ['/api/v1/audit/events', 'get', 'Audit events (filters aggregateType, aggregateId, type, from, to; cursor)'],
    ['/api/v1/audit/verify', 'get', "Recompute the tenant's hash chain from its last signed checkpoint (?full=true: from genesis, paged)"],
  ];
  for (const [path, method, summary, body] of simple) {
    registry.registerPath({
      method,
      path,
      summary,
      security: path.includes('signing-keys') ? [] : bearer,
      request: { ...(path.includes('{id}') ? idParam : {}), ...(body ?? {}) },
      responses: { 200: { description: 'OK' }, ...errors },
    });
  }
  return new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: { title: 'EUCORA control plane API', version: PRODUCT_VERSION },
  });
}
