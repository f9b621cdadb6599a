// Fixtures shared by the generated security tests (request fuzz, authorization matrix): a tenant with one token per
// role and one resource of every kind, plus a minimal valid request per route. Rows the workflow would write (CAB item,
// evidence pack) are inserted directly: these tests exercise the API's checks, not the workflow.
import { randomUUID } from 'node:crypto';
import { request as httpRequest, Agent, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { DataSource } from 'typeorm';
import { ROLES, type Role } from '@eucora/core';
import { createTestTenant, sampleIntent, type TestTenant } from './test-stack';

/** One tenant's tokens (one per role, plus one token holding every role) and resource ids. */
export interface SecurityTenant extends TestTenant {
  roleTokens: Record<Role, string>;
  allRoles: string;
  ids: { intent: string; exception: string; token: string; cabItem: string; evidencePack: string; plane: string };
}

/** Raw HTTP response of `send`. */
export interface RawResponse {
  status: number;
  contentType: string;
  text: string;
}

const agent = new Agent({ keepAlive: true, maxSockets: 8 });

/** Options of `send`: bearer token, body text (content type defaults to JSON) and extra headers. */
export interface SendOptions {
  token?: string;
  body?: string;
  contentType?: string;
  headers?: Record<string, string>;
}

/** Sends one request with an already-encoded path (so odd encodings reach the server as written). */
export function send(base: { port: number }, method: string, path: string, opts: SendOptions = {}): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { ...opts.headers };
    if (opts.token) headers.authorization = `Bearer ${opts.token}`;
    if (opts.body !== undefined) {
      headers['content-type'] = opts.contentType ?? 'application/json';
      headers['content-length'] = String(Buffer.byteLength(opts.body));
    }
    const req = httpRequest({ host: '127.0.0.1', port: base.port, method, path, headers, agent, timeout: 20_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          contentType: String(res.headers['content-type'] ?? ''),
          text: Buffer.concat(chunks).toString(),
        }),
      );
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`timeout: ${method} ${path}`)));
    req.on('error', reject);
    req.end(opts.body);
  });
}

/** Listens on a free loopback port. */
export async function listen(server: Server): Promise<{ port: number }> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { port: (server.address() as AddressInfo).port };
}

/** Creates a tenant with a token per role and one of each resource. */
export async function createSecurityTenant(ds: DataSource, base: { port: number }): Promise<SecurityTenant> {
  const t = await createTestTenant(ds);
  const roleTokens = {} as Record<Role, string>;
  for (const role of ROLES) roleTokens[role] = await t.issue([role], `${role}-${randomUUID().slice(0, 6)}`);
  const allRoles = await t.issue([...ROLES], `all-${randomUUID().slice(0, 6)}`);
  const victim = await t.issue(['auditor'], 'victim');

  const intentRes = await send(base, 'POST', '/api/v1/deployment-intents', {
    token: roleTokens.release_engineer,
    body: JSON.stringify(sampleIntent()),
    headers: { 'idempotency-key': `sec-${randomUUID()}` },
  });
  if (intentRes.status !== 201) throw new Error(`fixture intent: ${intentRes.status} ${intentRes.text}`);
  const intent = JSON.parse(intentRes.text).id as string;
  const excBody = JSON.stringify(sampleException());
  const excRes = await send(base, 'POST', '/api/v1/exceptions', { token: roleTokens.release_engineer, body: excBody });
  if (excRes.status !== 201) throw new Error(`fixture exception: ${excRes.status} ${excRes.text}`);
  const exception = JSON.parse(excRes.text).id as string;

  // The CAB item's intent has no workflow (no worker runs here, so an update to a live one would wait for a worker).
  const cabRes = await send(base, 'POST', '/api/v1/deployment-intents', {
    token: roleTokens.release_engineer,
    body: JSON.stringify(sampleIntent({ title: 'CAB fixture' })),
    headers: { 'idempotency-key': `sec-${randomUUID()}` },
  });
  if (cabRes.status !== 201) throw new Error(`fixture CAB intent: ${cabRes.status} ${cabRes.text}`);
  const cabIntent = JSON.parse(cabRes.text).id as string;
  await ds.query(`UPDATE deployment_intents SET workflow_id = 'no-such-workflow-' || id WHERE id = $1`, [cabIntent]);
  const cabItem = randomUUID();
  const evidencePack = randomUUID();
  await ds.query(
    `INSERT INTO cab_items (id, tenant_id, intent_id, status, risk_score, risk, policy, evidence_pack_id, evidence_hash, quorum, gate_ring,
                            submitted_by)
     VALUES ($1, $2, $3, 'pending', 80, '{}', '{}', $4, $5, 2, 1, 'release_engineer')`,
    [cabItem, t.tenantId, cabIntent, evidencePack, 'e'.repeat(64)],
  );
  await ds.query(
    `INSERT INTO evidence_packs (id, tenant_id, intent_id, version, sha256, bucket, object_key, size_bytes, retention_mode, retain_until)
     VALUES ($1, $2, $3, 1, $4, 'eucora-evidence', $5, 10, 'GOVERNANCE', now() + interval '1 day')`,
    [evidencePack, t.tenantId, intent, 'e'.repeat(64), `${t.tenantId}/${intent}/v1.json`],
  );
  await ds.query(
    `INSERT INTO connector_configs (tenant_id, plane, base_url, settings, credentials_sealed, updated_by)
     VALUES ($1, 'jamf', 'https://jamf.example.com', '{"clientId":"c"}', 'sealed', 'fixture')`,
    [t.tenantId],
  );
  return { ...t, roleTokens, allRoles, ids: { intent, exception, token: victim.split('.')[1]!, cabItem, evidencePack, plane: 'jamf' } };
}

/** A valid exception request. */
export function sampleException(): Record<string, unknown> {
  return {
    packageName: '7-Zip',
    findingIds: ['CVE-2024-0001'],
    compensatingControls: 'Network isolation of every host in scope',
    justification: 'Vendor fix due next month',
    expiresAt: new Date(Date.now() + 7 * 86_400_000).toISOString(),
  };
}

/** A minimal valid body per `METHOD path` template; routes not listed get `{}` (a new route is still exercised). */
export function sampleBody(method: string, path: string): unknown {
  const key = `${method} ${path}`;
  const bodies: Record<string, unknown> = {
    'POST /api/v1/admin/tokens': { name: 'fuzz token', roles: ['auditor'] },
    'POST /api/v1/deployment-intents': sampleIntent(),
    'POST /api/v1/deployment-intents/:id/cancel': { reason: 'change window closed' },
    'POST /api/v1/deployment-intents/:id/rollback': { reason: 'bad canary' },
    'POST /api/v1/cab/items/:id/approve': { evidenceHash: 'e'.repeat(64), comment: 'looks fine' },
    'POST /api/v1/cab/items/:id/reject': { evidenceHash: 'e'.repeat(64), comment: 'too risky' },
    'POST /api/v1/exceptions': sampleException(),
    'POST /api/v1/exceptions/:id/approve': { comment: 'controls verified' },
    'POST /api/v1/exceptions/:id/reject': { comment: 'controls insufficient' },
    'PUT /api/v1/connectors/:plane': {
      baseUrl: 'https://jamf.example.com',
      settings: { clientId: 'c' },
      credentials: { clientSecret: 's3cret' },
    },
  };
  return bodies[key] ?? (method === 'GET' || method === 'DELETE' ? undefined : {});
}

/** Fills a path template's params from `values` (param name → already-encoded segment). */
export function fillPath(template: string, values: (param: string) => string): string {
  return template.replace(/:([A-Za-z_]\w*)/g, (_m, name: string) => values(name));
}

// Per table: a fingerprint expression over the columns a request could change (count alone misses updates).
const FINGERPRINTS: [name: string, table: string, expr: string][] = [
  ['intents', 'deployment_intents', `id::text || state || updated_at::text`],
  ['exceptions', 'exceptions', `id::text || status || coalesce(decided_at::text, '')`],
  ['tokens', 'api_tokens', `id::text || coalesce(disabled_at::text, '') || coalesce(rotated_at::text, '')`],
  ['cab', 'cab_items', `id::text || status`],
  ['decisions', 'cab_decisions', `id::text`],
  ['connectors', 'connector_configs', `plane || updated_at::text`],
  ['events', 'events', `event_id::text`],
  ['idempotency', 'idempotency_keys', `scope || key`],
  ['artifacts', 'artifact_checks', `id::text`],
];
const STATE_SQL = `SELECT ${FINGERPRINTS.map(
  ([name, table, expr]) =>
    `(SELECT count(*) || ':' || coalesce(md5(string_agg(${expr}, ',' ORDER BY ${expr})), '')
       FROM ${table} WHERE tenant_id = $1) AS ${name}`,
).join(',\n  ')}`;

/** Counts and fingerprints of everything a tenant owns; equal before and after means nothing changed. */
export async function tenantState(ds: DataSource, tenantId: string): Promise<Record<string, string>> {
  const [row] = await ds.query(STATE_SQL, [tenantId]);
  return row as Record<string, string>;
}
