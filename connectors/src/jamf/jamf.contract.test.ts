import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { isConflictError } from '@eucora/core';
import { JamfConnector, jamfNames } from './jamf.connector';
import { ResilientCaller } from '../shared/resilience';
import { bufferContent, VendorExchangeServer, type VendorExchange } from '../shared/vendor-exchange.harness';
import type { DeployRingRequest } from '../connector';

const bytes = Buffer.from('pkg-bytes-0123456789');
const req: DeployRingRequest = {
  tenantId: 't',
  intentId: 'i-1',
  correlationId: 'c',
  ring: { index: 0, name: 'ring0-lab', deviceGroup: 'lab' },
  artifact: {
    name: 'Firefox',
    version: '133',
    publisher: 'Mozilla',
    sha256: 'd'.repeat(64),
    installCommand: 'installer -pkg f.pkg -target /',
    uninstallCommand: 'rm -rf /Applications/Firefox.app',
    platform: 'macos',
    format: 'pkg',
    sizeBytes: bytes.length,
    detectionRule: { type: 'file', value: '/Applications/Firefox.app' },
  },
  content: bufferContent(bytes, 'Firefox-133.pkg'),
};
const names = jamfNames(req);
const bearer = { authorization: /^Bearer tok$/ };

/** Recorded Jamf Pro exchanges (vendor-contracts.md §2, A2; grahampugh/jamf-upload, deploymenttheory/go-sdk-jamfpro-v2). */
function table(opts: { policyConflict?: boolean } = {}): VendorExchange[] {
  let uploaded = false;
  const policies: { id: number; name: string }[] = [];
  return [
    {
      source: 'contracts §2 Auth: POST /api/oauth/token form grant_type=client_credentials',
      method: 'POST',
      path: '/api/oauth/token',
      form: { grant_type: 'client_credentials', client_id: 'cid', client_secret: 'sec' },
      response: { status: 200, body: { access_token: 'tok', scope: 's', token_type: 'Bearer', expires_in: 599 } },
    },
    {
      source: 'contracts §2 Packages: GET /api/v1/packages?page=0&page-size=100&sort=id&filter=packageName=="<name>"',
      method: 'GET',
      path: '/api/v1/packages',
      query: { page: '0', 'page-size': '100', sort: 'id', filter: `packageName=="${names.packageName}"` },
      headers: bearer,
      response: () => ({ status: 200, body: { totalCount: 0, results: [] } }),
    },
    {
      source: 'contracts §2 POST /api/v1/packages → 201 {id,href}; Jamf computes hashValue on upload (A2)',
      method: 'POST',
      path: '/api/v1/packages',
      headers: { ...bearer, 'content-type': /^application\/json/ },
      json: {
        packageName: 'string',
        fileName: 'string',
        categoryId: 'string',
        priority: 'integer',
        rebootRequired: 'boolean',
        osInstall: 'boolean',
        suppressUpdates: 'boolean',
      },
      jsonAbsent: ['hashValue'],
      response: { status: 201, body: { id: '31', href: '/api/v1/packages/31' } },
    },
    {
      source: 'contracts A2 Upload: POST /api/v1/packages/{id}/upload multipart file → {id,href}',
      method: 'POST',
      path: '/api/v1/packages/31/upload',
      headers: bearer,
      multipartFile: 'file',
      response: (c) => {
        uploaded = c.body.includes(bytes);
        return { status: 201, body: { id: '31', href: '/api/v1/packages/31' } };
      },
    },
    {
      source: 'contracts A2 poll GET /api/v1/packages/{id} until hashValue (SHA3_512) is set',
      method: 'GET',
      path: '/api/v1/packages/31',
      headers: bearer,
      response: () => ({
        status: 200,
        body: {
          id: '31',
          packageName: names.packageName,
          hashType: uploaded ? 'SHA3_512' : null,
          hashValue: uploaded ? createHash('sha3-512').update(bytes).digest('hex') : null,
        },
      }),
    },
    {
      source: 'contracts A2 Static group find: GET /JSSResource/computergroups/name/{enc} (and §2 …/id/{id}), Accept JSON',
      method: 'GET',
      path: /^\/JSSResource\/computergroups\/(name\/lab|id\/5)$/,
      headers: { ...bearer, accept: /application\/json/ },
      response: {
        status: 200,
        body: {
          computer_group: {
            id: 5,
            name: 'lab',
            is_smart: false,
            computers: [
              { id: 12, name: 'mac-12', serial_number: 'C02' },
              { id: 13, name: 'mac-13', serial_number: 'C03' },
            ],
          },
        },
      },
    },
    {
      source: 'contracts §2 GET /JSSResource/policies (Accept JSON) → {"policies":[{id,name}]}',
      method: 'GET',
      path: '/JSSResource/policies',
      headers: { ...bearer, accept: /application\/json/ },
      response: () => ({ status: 200, body: { policies: opts.policyConflict ? [] : policies } }),
    },
    {
      source: 'contracts §2 Policy POST /JSSResource/policies/id/0; A2 scope computer_group/id, trigger_checkin, scripts for uninstall',
      method: 'POST',
      path: '/JSSResource/policies/id/0',
      headers: { ...bearer, 'content-type': /^application\/xml/ },
      xml: [
        /<general><name>[^<]+<\/name><enabled>true<\/enabled><trigger_checkin>true<\/trigger_checkin>/,
        '<scope><computer_groups><computer_group><id>5</id></computer_group></computer_groups></scope>',
      ],
      response: (c) => {
        if (opts.policyConflict) return { status: 409, body: '<html><body><p>Error: Duplicate name</p></body></html>' };
        const name = /<name>([^<]+)<\/name>/.exec(c.body.toString())![1]!;
        policies.push({ id: 70 + policies.length, name });
        return { status: 201, body: `<policy><id>${70 + policies.length - 1}</id></policy>` };
      },
    },
    {
      source: 'contracts §2 Status: GET /JSSResource/computerhistory/id/{id}/subset/PolicyLogs',
      method: 'GET',
      path: /^\/JSSResource\/computerhistory\/id\/1[23]\/subset\/PolicyLogs$/,
      headers: bearer,
      response: (c) => ({
        status: 200,
        body: {
          computer_history: {
            policy_logs: c.path.includes('/12/') ? [{ policy_id: 70, policy_name: names.policy, status: 'Completed' }] : [],
          },
        },
      }),
    },
    {
      source: 'contracts §2 Rollback: disable the policy (PUT /JSSResource/policies/id/{id})',
      method: 'PUT',
      path: '/JSSResource/policies/id/70',
      xml: ['<enabled>false</enabled>'],
      response: { status: 201, body: '<policy><id>70</id></policy>' },
    },
    {
      source: 'contracts A2 Uninstall: script looked up by name',
      method: 'GET',
      path: '/api/v1/scripts',
      query: { filter: `name=="${names.uninstallScript}"` },
      headers: bearer,
      response: { status: 200, body: { totalCount: 0, results: [] } },
    },
    {
      source: 'contracts A2 Uninstall: POST /api/v1/scripts {name,scriptContents,priority:"AFTER"}',
      method: 'POST',
      path: '/api/v1/scripts',
      json: { name: 'string', scriptContents: 'string', priority: 'string' },
      response: { status: 201, body: { id: '9', href: '/api/v1/scripts/9' } },
    },
  ];
}

describe('Jamf connector against recorded Jamf Pro exchanges', () => {
  let server: VendorExchangeServer;
  after(async () => server?.close());
  const connector = (url: string) =>
    new JamfConnector({ baseUrl: url, clientId: 'cid', clientSecret: 'sec', caller: new ResilientCaller('jamf', { retries: 0 }) });

  // contracts A2 Upload / Static group / trigger_checkin / Uninstall by script
  it('deploy (with upload), status and rollback: every request matches its recorded example field by field', async () => {
    server = new VendorExchangeServer(table());
    const url = await server.listen();
    const d = await connector(url).deployRing(req);
    assert.deepEqual([d.objectIds.packageId, d.objectIds.groupId, d.objectIds.policyId], ['31', '5', '70']);
    const counts = await connector(url).ringStatus({ ...req, deployment: d });
    assert.deepEqual([counts.targeted, counts.succeeded, counts.pending], [2, 1, 1]);
    await connector(url).rollbackRing({ ...req, deployment: d });
    const policyXml = server.captured
      .filter((c) => c.method === 'POST' && c.path === '/JSSResource/policies/id/0')
      .map((c) => c.body.toString());
    assert.match(policyXml[0]!, /<package><id>31<\/id><action>Install<\/action><\/package>/);
    assert.match(policyXml[1]!, /<scripts><size>1<\/size><script><id>9<\/id><priority>After<\/priority>/);
    assert.doesNotMatch(policyXml[1]!, /<action>Uninstall<\/action>/);
    assert.ok(
      !server.captured.some((c) => c.method === 'POST' && c.path.startsWith('/JSSResource/computergroups')),
      'no smart group created',
    );
    assert.deepEqual(server.problems, []);
    assert.deepEqual(server.unused(), []);
    await server.close();
  });

  // issue 8 "Also broken": a 409 whose re-lookup also fails is an error, never a NaN id
  it('a 409 on policy create with no policy of that name fails with a clear conflict error', async () => {
    server = new VendorExchangeServer(table({ policyConflict: true }));
    const url = await server.listen();
    await assert.rejects(
      connector(url).deployRing(req),
      (err) => isConflictError(err) && /409/.test((err as Error).message) && !/NaN/.test((err as Error).message),
    );
    assert.deepEqual(server.problems, []);
  });
});
