import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isPermanentDomainError } from '@eucora/core';
import { AwxConnector } from './awx.connector';
import { ResilientCaller } from '../shared/resilience';
import { bufferContent, VendorExchangeServer, type VendorExchange } from '../shared/vendor-exchange.harness';
import type { DeployRingRequest } from '../connector';

const req: DeployRingRequest = {
  tenantId: 't',
  intentId: 'i-1',
  correlationId: 'c',
  ring: { index: 0, name: 'ring0-lab', deviceGroup: 'lab' },
  artifact: {
    name: 'Pkg',
    version: '1.0',
    publisher: 'P',
    sha256: 'a'.repeat(64),
    installCommand: 'install.sh',
    uninstallCommand: 'uninstall.sh',
    platform: 'linux',
    format: 'deb',
    sizeBytes: 4,
    detectionRule: { type: 'file', value: '/opt/pkg' },
  },
  content: bufferContent(Buffer.from('bytes'), 'pkg.deb'),
};
const bearer = { authorization: /^Bearer tok$/ };
const page = (results: unknown[]) => ({ count: results.length, next: null, previous: null, results });

/** Recorded AWX v2 exchanges (vendor-contracts.md §5, A5, Corrections to Part 1; ansible/awx api/serializers.py, views). */
function table(opts: { ignored?: Record<string, unknown>; askLimit?: boolean } = {}): VendorExchange[] {
  let launched = false;
  return [
    {
      source: 'contracts §5 Auth: POST /api/v2/tokens/ (Basic) → 201 {token,…}',
      method: 'POST',
      path: '/api/v2/tokens/',
      headers: { authorization: /^Basic / },
      response: { status: 201, body: { token: 'tok', refresh_token: 'r', expires: '2099-01-01T00:00:00Z', scope: 'write' } },
    },
    {
      source: 'contracts §5 Idempotency: tag launches with labels (jobs ?labels__name=)',
      method: 'GET',
      path: '/api/v2/jobs/',
      query: { labels__name: 'eucora:i-1:ring0:deploy' },
      headers: bearer,
      response: () => ({ status: 200, body: page(launched ? [{ id: 501, status: 'running' }] : []) }),
    },
    {
      source: 'contracts §5 Find template: GET /api/v2/job_templates/?name=',
      method: 'GET',
      path: '/api/v2/job_templates/',
      query: { name: 'eucora-deploy' },
      headers: bearer,
      response: { status: 200, body: page([{ id: 7, name: 'eucora-deploy', organization: 3 }]) },
    },
    {
      source: 'contracts A5 Launch: GET …/launch/ must show ask_limit_on_launch:true',
      method: 'GET',
      path: '/api/v2/job_templates/7/launch/',
      headers: bearer,
      response: {
        status: 200,
        body: {
          can_start_without_user_input: true,
          variables_needed_to_start: [],
          ask_variables_on_launch: true,
          ask_limit_on_launch: opts.askLimit ?? true,
          ask_labels_on_launch: true,
        },
      },
    },
    {
      source: 'contracts A5 Labels: GET /api/v2/labels/?name=&organization=',
      method: 'GET',
      path: '/api/v2/labels/',
      query: { name: 'eucora:i-1:ring0:deploy', organization: '3' },
      headers: bearer,
      response: { status: 200, body: page([]) },
    },
    {
      source: 'contracts A5 Labels: POST /api/v2/labels/ {name,organization} → 201',
      method: 'POST',
      path: '/api/v2/labels/',
      json: { name: 'string', organization: 'integer' },
      headers: { ...bearer, 'content-type': /^application\/json/ },
      response: { status: 201, body: { id: 44, name: 'eucora:i-1:ring0:deploy', organization: 3 } },
    },
    {
      source: 'contracts §5 Launch {extra_vars, limit, labels[]} (A5: labels are ids) → 201 {job, ignored_fields}',
      method: 'POST',
      path: '/api/v2/job_templates/7/launch/',
      json: { limit: 'string', extra_vars: 'object', labels: 'integer[]' },
      headers: { ...bearer, 'content-type': /^application\/json/ },
      response: () => {
        launched = true;
        return {
          status: 201,
          headers: { location: '/api/v2/jobs/501/' },
          body: { job: 501, ignored_fields: opts.ignored ?? {}, id: 501, status: 'pending' },
        };
      },
    },
    {
      source: 'contracts §5 Cancel: POST /api/v2/jobs/{id}/cancel/ → 202',
      method: 'POST',
      path: '/api/v2/jobs/501/cancel/',
      headers: bearer,
      response: { status: 202 },
    },
    {
      source: 'contracts §5 Status: GET /api/v2/jobs/{id}/',
      method: 'GET',
      path: '/api/v2/jobs/501/',
      headers: bearer,
      response: { status: 200, body: { id: 501, status: 'successful', failed: false } },
    },
    {
      source: 'contracts §5 per host: job_host_summaries host_name, ok, changed, failures, dark, skipped, failed',
      method: 'GET',
      path: '/api/v2/jobs/501/job_host_summaries/',
      headers: bearer,
      response: {
        status: 200,
        body: page([
          { host_name: 'h1', ok: 1, changed: 1, failures: 0, dark: 0, skipped: 0, failed: false },
          { host_name: 'h2', ok: 0, changed: 0, failures: 1, dark: 0, skipped: 0, failed: true },
        ]),
      },
    },
  ];
}

describe('AWX connector against recorded vendor exchanges', () => {
  let server: VendorExchangeServer;
  let url: string;
  const start = async (t: VendorExchange[]) => {
    server = new VendorExchangeServer(t);
    url = await server.listen();
    return new AwxConnector({ baseUrl: url, username: 'u', password: 'p', caller: new ResilientCaller('awx', { retries: 0 }) });
  };
  after(async () => server?.close());

  // contracts A5 Launch + Labels: label looked up/created by id before launch; status from host summaries
  it('deploy and status: every request matches its recorded example field by field', async () => {
    const conn = await start(table());
    const d = await conn.deployRing(req);
    assert.equal(d.objectIds.jobId, '501');
    const counts = await conn.ringStatus({ ...req, deployment: d });
    assert.deepEqual([counts.targeted, counts.succeeded, counts.failed], [2, 1, 1]);
    const launch = server.captured.find((c) => c.method === 'POST' && c.path.endsWith('/launch/'))!;
    assert.deepEqual((JSON.parse(launch.body.toString()) as { labels: unknown }).labels, [44]);
    assert.deepEqual(server.problems, []);
    await server.close();
  });

  // contracts §5 Corrections: ignored_fields → cancel the job
  it('a launch answered with ignored_fields is canceled and the deploy fails', async () => {
    const conn = await start(table({ ignored: { limit: 'lab' } }));
    await assert.rejects(conn.deployRing(req), (err) => isPermanentDomainError(err) && /ignored limit/.test((err as Error).message));
    assert.ok(
      server.captured.some((c) => c.method === 'POST' && c.path === '/api/v2/jobs/501/cancel/'),
      'job canceled',
    );
    assert.deepEqual(server.problems, []);
    await server.close();
  });

  // contracts A5 Launch / Corrections: refuse to launch without ask_limit_on_launch
  it('a template that does not prompt for limit is never launched', async () => {
    const conn = await start(table({ askLimit: false }));
    await assert.rejects(conn.deployRing(req), (err) => isPermanentDomainError(err) && /ask_limit_on_launch/.test((err as Error).message));
    assert.ok(!server.captured.some((c) => c.method === 'POST' && c.path.endsWith('/launch/')), 'no launch POST');
    assert.deepEqual(server.problems, []);
    await server.close();
  });
});
