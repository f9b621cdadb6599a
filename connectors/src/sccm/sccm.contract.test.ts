import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SccmConnector, sccmAppName } from './sccm.connector';
import { ResilientCaller } from '../shared/resilience';
import { bufferContent, VendorExchangeServer, type CapturedRequest, type VendorExchange } from '../shared/vendor-exchange.harness';
import type { DeployRingRequest } from '../connector';

const req: DeployRingRequest = {
  tenantId: 't',
  intentId: 'i-1',
  correlationId: 'c',
  ring: { index: 0, name: 'ring0-lab', deviceGroup: 'lab' },
  artifact: {
    name: '7-Zip',
    version: '24.08',
    publisher: 'Igor Pavlov',
    sha256: 'b'.repeat(64),
    installCommand: 'msiexec /i 7z.msi /qn',
    uninstallCommand: 'msiexec /x {23170F69-40C1-2702-2408-000001000000} /qn',
    platform: 'windows',
    format: 'msi',
    sizeBytes: 5,
    detectionRule: { type: 'product_code', value: '{23170F69-40C1-2702-2408-000001000000}' },
  },
  content: bufferContent(Buffer.from('bytes'), '7z.msi'),
};
const basic = { authorization: /^Basic / };
const odata = (cls: string, value: unknown[]) => ({ '@odata.context': `https://p/AdminService/wmi/$metadata#${cls}`, value });
const filter = (c: CapturedRequest) => c.query.get('$filter') ?? '';

/** Recorded AdminService exchanges (vendor-contracts.md §3, A3; memdocs adminservice usage; joshburkard/MECMAdminService). */
function table(): VendorExchange[] {
  const app = {
    CI_ID: 16777001,
    ModelID: 16780001,
    ModelName: 'ScopeId_ABC/Application_1',
    LocalizedDisplayName: sccmAppName(req),
    IsLatest: true,
  };
  let created = false;
  let assigned = false;
  let uninstall = false;
  return [
    {
      source: "contracts §3 Application: GET wmi/SMS_Application?$filter=LocalizedDisplayName eq '<n>' and IsLatest eq true",
      method: 'GET',
      path: '/AdminService/wmi/SMS_Application',
      query: { $filter: `LocalizedDisplayName eq '${sccmAppName(req)}' and IsLatest eq true` },
      headers: basic,
      response: () => ({ status: 200, body: odata('SMS_Application', created ? [app] : []) }),
    },
    {
      source: 'contracts A3 App creation: AuthoringScopeId from GET wmi/SMS_Identification.GetSiteID',
      method: 'GET',
      path: '/AdminService/wmi/SMS_Identification.GetSiteID',
      headers: basic,
      response: { status: 200, body: { ReturnValue: 0, SiteID: '{ABC}' } },
    },
    {
      source: 'contracts §3 create POST wmi/SMS_Application {"SDMPackageXML"}; A3 DeploymentType + Content <Location> UNC',
      method: 'POST',
      path: '/AdminService/wmi/SMS_Application',
      json: { SDMPackageXML: 'string' },
      headers: { ...basic, 'content-type': /^application\/json/ },
      response: (c) => {
        const xml = (JSON.parse(c.body.toString()) as { SDMPackageXML: string }).SDMPackageXML;
        for (const must of [
          'AuthoringScopeId="ScopeId_ABC"',
          'LogicalName="Application_',
          'LogicalName="DeploymentType_',
          'ContentId="Content_',
          '<Location>\\\\',
          '<ProductCode>{23170F69-40C1-2702-2408-000001000000}</ProductCode>',
        ]) {
          if (!xml.includes(must)) return { status: 400, body: { error: { code: '400', message: `SDMPackageXML lacks ${must}` } } };
        }
        created = true;
        return { status: 201, body: app };
      },
    },
    {
      source: "contracts §3 Collection lookup $filter=Name eq '…'",
      method: 'GET',
      path: '/AdminService/wmi/SMS_Collection',
      query: { $filter: "Name eq 'lab'" },
      headers: basic,
      response: { status: 200, body: odata('SMS_Collection', [{ CollectionID: 'PS100001', Name: 'lab' }]) },
    },
    {
      source: "contracts A3 Lookup: $filter=TargetCollectionID eq '{id}' and AppModelID eq {ModelID} (numeric, unquoted)",
      method: 'GET',
      path: '/AdminService/wmi/SMS_ApplicationAssignment',
      query: { $filter: "TargetCollectionID eq 'PS100001' and AppModelID eq 16780001" },
      headers: basic,
      response: () => ({
        status: 200,
        body: odata('SMS_ApplicationAssignment', [
          ...(assigned ? [{ AssignmentID: 16777501, DesiredConfigType: 1 }] : []),
          ...(uninstall ? [{ AssignmentID: 16777502, DesiredConfigType: 2 }] : []),
        ]),
      }),
    },
    {
      source: 'contracts §3 Deployment fields; A3 AppModelID=ModelID (UInt32), AssignedCIs:[CI_ID], AssignmentUniqueID GUID',
      method: 'POST',
      path: '/AdminService/wmi/SMS_ApplicationAssignment',
      json: {
        ApplicationName: 'string',
        AssignmentName: 'string',
        AssignedCIs: 'integer[]',
        AppModelID: 'integer',
        TargetCollectionID: 'string',
        CollectionName: 'string',
        AssignmentAction: 'integer',
        AssignmentType: 'integer',
        DesiredConfigType: 'integer',
        OfferTypeID: 'integer',
        StartTime: 'string',
        EnforcementDeadline: 'string',
        AssignmentUniqueID: 'string',
      },
      response: (c) => {
        const b = JSON.parse(c.body.toString()) as { DesiredConfigType: number };
        if (b.DesiredConfigType === 1) assigned = true;
        else uninstall = true;
        return { status: 201, body: { ...b, AssignmentID: b.DesiredConfigType === 1 ? 16777501 : 16777502 } };
      },
    },
    {
      source: 'contracts §3 Status: GET wmi/SMS_AppDeploymentAssetDetails?$filter=AssignmentID eq N',
      method: 'GET',
      path: '/AdminService/wmi/SMS_AppDeploymentAssetDetails',
      query: { $filter: 'AssignmentID eq 16777501' },
      response: {
        status: 200,
        body: odata('SMS_AppDeploymentAssetDetails', [
          { AppStatusType: 1, MachineName: 'A' },
          { AppStatusType: 5, MachineName: 'B' },
          { AppStatusType: 2, MachineName: 'C' },
        ]),
      },
    },
    {
      source: 'contracts §3 Rollback: DELETE wmi/SMS_ApplicationAssignment({AssignmentID})',
      method: 'DELETE',
      path: '/AdminService/wmi/SMS_ApplicationAssignment(16777501)',
      headers: basic,
      response: () => ((assigned = false), { status: 204 }),
    },
  ];
}

describe('SCCM connector against recorded AdminService exchanges', () => {
  let server: VendorExchangeServer;
  after(async () => server?.close());

  // contracts A3 Deploy/Lookup: numeric AppModelID, typed lookups, app with deployment type and content
  it('deploy, re-deploy, status and rollback: every request matches its recorded example field by field', async () => {
    server = new VendorExchangeServer(table());
    const url = await server.listen();
    const conn = () =>
      new SccmConnector({ baseUrl: url, username: 'u', password: 'p', caller: new ResilientCaller('sccm', { retries: 0 }) });
    const d = await conn().deployRing(req);
    assert.equal(d.objectIds.assignmentId, '16777501');
    const again = await conn().deployRing(req);
    assert.equal(again.adopted, true);
    const counts = await conn().ringStatus({ ...req, deployment: d });
    assert.deepEqual([counts.targeted, counts.succeeded, counts.failed, counts.pending], [3, 1, 1, 1]);
    await conn().rollbackRing({ ...req, deployment: d });
    const posts = server.captured
      .filter((c) => c.method === 'POST' && c.path.endsWith('SMS_ApplicationAssignment'))
      .map((c) => JSON.parse(c.body.toString()) as Record<string, unknown>);
    assert.deepEqual(
      posts.map((p) => [p.AppModelID, p.AssignedCIs, p.DesiredConfigType, p.AssignmentName]),
      [
        [16780001, [16777001], 1, `${sccmAppName(req)}_lab_Install`],
        [16780001, [16777001], 2, `${sccmAppName(req)}_lab_Uninstall`],
      ],
    );
    assert.ok(posts.every((p) => /^\{[0-9A-F-]{36}\}$/.test(String(p.AssignmentUniqueID))));
    assert.ok(
      server.captured
        .filter((c) => c.path.endsWith('SMS_ApplicationAssignment') && c.method === 'GET')
        .every((c) => !/AppModelID eq '/.test(filter(c))),
    );
    assert.deepEqual(server.problems, []);
    assert.deepEqual(server.unused(), []);
  });
});
