import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { SccmSimulator } from '@eucora/agent-sim';
import { buildSdmPackageXml } from '../index';
import { request } from '../testing/plane-contract-fixtures';

describe('SCCM simulator pinned to the contract', () => {
  const sim = new SccmSimulator({ size: 50, labSize: 3 });
  let url: string;
  let h: Record<string, string>;
  before(async () => {
    url = await sim.listen(0);
    h = { authorization: `Basic ${Buffer.from(`${sim.username}:${sim.password}`).toString('base64')}`, 'content-type': 'application/json' };
  });
  after(async () => sim.close());
  const get = (path: string) => fetch(`${url}/AdminService/wmi/${path}`, { headers: h });
  const post = (path: string, body: unknown) =>
    fetch(`${url}/AdminService/wmi/${path}`, { method: 'POST', headers: h, body: JSON.stringify(body) });
  const sdm = (title: string) =>
    buildSdmPackageXml({
      authoringScopeId: sim.scopeId,
      title,
      artifact: request().artifact,
      contentLocation: '\\\\cm01\\src$\\dup',
      fileName: 'dup.msi',
      sizeBytes: 10,
    });

  // contracts Corrections §3: a duplicate application create makes a duplicate; §3 GET by key returns {value:[obj]}
  it('a duplicate create succeeds and makes a duplicate; GET by key returns {value:[obj]}; errors are {error:{code,message}}', async () => {
    const a = (await (await post('SMS_Application', { SDMPackageXML: sdm('Dup App') })).json()) as { CI_ID: number; ModelID: number };
    const b = (await (await post('SMS_Application', { SDMPackageXML: sdm('Dup App') })).json()) as { CI_ID: number };
    assert.notEqual(a.CI_ID, b.CI_ID);
    assert.equal(typeof a.ModelID, 'number');
    const list = (await (
      await get(`SMS_Application?$filter=${encodeURIComponent("LocalizedDisplayName eq 'Dup App' and IsLatest eq true")}&$select=CI_ID`)
    ).json()) as { value: { CI_ID: number }[]; '@odata.context': string };
    assert.equal(list.value.length, 2);
    assert.deepEqual(Object.keys(list.value[0]!), ['CI_ID']);
    assert.match(list['@odata.context'], /\$metadata#SMS_Application/);
    const one = (await (await get(`SMS_Application(${a.CI_ID})`)).json()) as { value: unknown[] };
    assert.equal(one.value.length, 1);
    const bad = await post('SMS_Application', {});
    assert.equal(bad.status, 400);
    assert.ok(((await bad.json()) as { error: { code: string; message: string } }).error.message);
  });

  // contracts A3 App creation: DeploymentType + Content with <Location>; AuthoringScopeId = ScopeId_<SiteID>
  it('an application without a deployment type, content location or the site scope is refused', async () => {
    const good = sdm('Shape App');
    const noDt = good.replace(/<DeploymentType AuthoringScopeId[^>]*[^/]>[\s\S]*<\/DeploymentType>/, '');
    assert.match(
      ((await (await post('SMS_Application', { SDMPackageXML: noDt })).json()) as { error: { message: string } }).error.message,
      /no deployment type/,
    );
    const noLocation = good.replace(/<Location>[^<]*<\/Location>/, '');
    assert.match(
      ((await (await post('SMS_Application', { SDMPackageXML: noLocation })).json()) as { error: { message: string } }).error.message,
      /no Location/,
    );
    const wrongScope = good.replaceAll(sim.scopeId, 'ScopeId_OTHER');
    assert.equal((await post('SMS_Application', { SDMPackageXML: wrongScope })).status, 400);
    const site = (await (await get('SMS_Identification.GetSiteID')).json()) as { SiteID: string };
    assert.equal(`ScopeId_${site.SiteID.replace(/[{}]/g, '')}`, sim.scopeId);
  });

  // contracts A3 Deploy/Lookup: AppModelID is the numeric ModelID; typed OData ($filter string vs UInt32 → 400)
  it('typed OData: AppModelID compared with a string literal, or TargetCollectionID with a number, is a 400 type error', async () => {
    const app = (await (await post('SMS_Application', { SDMPackageXML: sdm('Typed App') })).json()) as {
      CI_ID: number;
      ModelID: number;
      ModelName: string;
    };
    const strLit = await get(`SMS_ApplicationAssignment?$filter=${encodeURIComponent(`AppModelID eq '${app.ModelName}'`)}`);
    assert.equal(strLit.status, 400);
    assert.match(((await strLit.json()) as { error: { message: string } }).error.message, /incompatible types.*Edm\.UInt32.*Edm\.String/);
    assert.equal((await get(`SMS_ApplicationAssignment?$filter=${encodeURIComponent('TargetCollectionID eq 100001')}`)).status, 400);
    assert.equal(
      (
        await get(
          `SMS_ApplicationAssignment?$filter=${encodeURIComponent(`TargetCollectionID eq 'PS100001' and AppModelID eq ${app.ModelID}`)}`,
        )
      ).status,
      200,
    );
    const coll = (
      (await (await get(`SMS_Collection?$filter=${encodeURIComponent("Name eq 'lab'")}`)).json()) as { value: { CollectionID: string }[] }
    ).value[0]!;
    const body = {
      ApplicationName: 'Typed App',
      AssignmentName: 'Typed App_lab_Install',
      AssignedCIs: [app.CI_ID],
      AppModelID: app.ModelName,
      TargetCollectionID: coll.CollectionID,
      AssignmentAction: 2,
      AssignmentType: 2,
      DesiredConfigType: 1,
      OfferTypeID: 0,
      StartTime: '2026-01-01T00:00:00Z',
      EnforcementDeadline: '2026-01-01T00:00:00Z',
      AssignmentUniqueID: `{${randomUUID().toUpperCase()}}`,
    };
    assert.equal((await post('SMS_ApplicationAssignment', body)).status, 400, 'ModelName string as AppModelID');
    assert.equal(
      (await post('SMS_ApplicationAssignment', { ...body, AppModelID: app.ModelID, AssignedCIs: [] })).status,
      400,
      'AssignedCIs without the CI_ID',
    );
    assert.equal(
      (await post('SMS_ApplicationAssignment', { ...body, AppModelID: app.ModelID, AssignmentUniqueID: 'x' })).status,
      400,
      'AssignmentUniqueID not a GUID',
    );
    assert.equal((await post('SMS_ApplicationAssignment', { ...body, AppModelID: app.ModelID })).status, 201);
  });
});
