import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AwxSimulator } from '../awx/awx-simulator';
import { IntuneSimulator } from '../intune/intune-simulator';
import { entraGroupId, intuneIds } from '../intune/intune-inventory-routes';
import { JamfSimulator } from '../jamf/jamf-simulator';
import { landscapeSignature } from '../landscape/landscape-signature';
import { LandscapeSimulator } from '../landscape/landscape-simulator';
import { SccmSimulator } from '../sccm/sccm-simulator';
import { clientCredentialsToken, json, odataPages } from './test-clients';

const FLEET = { size: 3000, labSize: 10 };

describe('Intune simulator inventory (vendor-contracts.md A1)', () => {
  const sim = new IntuneSimulator(FLEET);
  let url = '';
  let auth: Record<string, string> = {};
  before(async () => {
    url = await sim.listen(0);
    auth = { authorization: `Bearer ${await clientCredentialsToken(`${url}/t/oauth2/v2.0/token`, sim)}` };
  });
  after(() => sim.close());
  const get = (path: string) => fetch(`${url}${path}`, { headers: auth }).then(json);

  it('"Pages ≤1000; follow nextLink, no $skip": 1000 per page, nextLink to the end, $skip and $top=1001 refused with 400', async () => {
    const fields = 'id,azureADDeviceId,deviceName,operatingSystem,osVersion,lastSyncDateTime';
    const pages = await odataPages(`${url}/v1.0/deviceManagement/managedDevices?$select=${fields}`, auth);
    const ids = new Set<string>();
    for (const r of pages) {
      assert.equal(r.status, 200);
      assert.ok(r.body.value!.length <= 1000);
      for (const d of r.body.value as { id: string }[]) ids.add(d.id);
    }
    assert.equal(ids.size, sim.inventory.counts().total);
    assert.equal(pages.length, Math.ceil(ids.size / 1000));
    const skip = await get('/v1.0/deviceManagement/managedDevices?$skip=1000');
    assert.equal(skip.status, 400);
    assert.equal((skip.body.error as { code: string }).code, 'BadRequest');
    assert.equal((await get('/beta/deviceManagement/managedDevices?$top=1001')).status, 400);
  });

  it('"$select=…&$filter=operatingSystem eq \'Windows\'": only Windows, only selected fields; lastSyncDateTime ge narrows', async () => {
    const windows = encodeURIComponent("operatingSystem eq 'Windows'");
    const r = await get(`/v1.0/deviceManagement/managedDevices?$select=id,operatingSystem&$filter=${windows}&$top=5`);
    assert.deepEqual(Object.keys((r.body.value as object[])[0]!).sort(), ['id', 'operatingSystem']);
    assert.ok((r.body.value as { operatingSystem: string }[]).every((d) => d.operatingSystem === 'Windows'));
    const changed = sim.inventory
      .devices()
      .slice(0, 2)
      .map((d) => d.id);
    const since = new Date().toISOString();
    sim.inventory.touch(changed, {}, new Date(Date.now() + 1000).toISOString());
    const inc = await get(`/v1.0/deviceManagement/managedDevices?$filter=${encodeURIComponent(`lastSyncDateTime ge ${since}`)}`);
    assert.deepEqual(
      (inc.body.value as { id: string }[]).map((d) => d.id).sort(),
      changed.map((id) => intuneIds(id).managedDeviceId).sort(),
    );
    assert.equal((await get(`/v1.0/deviceManagement/managedDevices?$filter=${encodeURIComponent('deviceName startswith 1')}`)).status, 400);
  });

  it('"GET /groups?$filter=displayName eq" and "/groups/{id}/members?$select=id&$top=999": device directory ids, paged', async () => {
    const found = await get(`/v1.0/groups?$filter=${encodeURIComponent("displayName eq 'all-macos'")}`);
    const id = (found.body.value as { id: string }[])[0]!.id;
    assert.equal(id, entraGroupId('all-macos'), 'the lookup and the members route agree on the group id');
    const members: string[] = [];
    for (const r of await odataPages(`${url}/v1.0/groups/${id}/members?$select=id&$top=999`, auth)) {
      for (const m of r.body.value as { id: string; '@odata.type': string }[]) {
        assert.equal(m['@odata.type'], '#microsoft.graph.device');
        members.push(m.id);
      }
    }
    assert.deepEqual(
      members.sort(),
      sim.inventory
        .members('all-macos')
        .map((d) => intuneIds(d.id).directoryId)
        .sort(),
    );
    assert.equal((await get(`/v1.0/groups/${id}/members?$top=1000`)).status, 400, '$top above 999');
    const dev = sim.inventory.devices()[5]!;
    const eq = encodeURIComponent(`deviceId eq '${intuneIds(dev.id).azureADDeviceId}'`);
    const byDeviceId = await get(`/v1.0/devices?$filter=${eq}&$select=id,deviceId&$top=2`);
    assert.deepEqual(byDeviceId.body.value, [{ id: intuneIds(dev.id).directoryId, deviceId: intuneIds(dev.id).azureADDeviceId }]);
    assert.equal(
      (await get(`/v1.0/devices?$filter=${encodeURIComponent("deviceId in ('a')")}`)).status,
      400,
      'deviceId supports eq only (no in)',
    );
  });
});

describe('Jamf simulator inventory (A2)', () => {
  const sim = new JamfSimulator(FLEET);
  let url = '';
  let auth: Record<string, string> = {};
  before(async () => {
    url = await sim.listen(0);
    auth = { authorization: `Bearer ${await clientCredentialsToken(`${url}/api/oauth/token`, sim)}`, accept: 'application/json' };
  });
  after(() => sim.close());
  const get = (path: string) => fetch(`${url}${path}`, { headers: auth }).then(json);

  it('"page-size default 100, max 2000": default 100, 2001 refused; sort=id:asc pages cover every computer once', async () => {
    const d = await get('/api/v1/computers-inventory?section=GENERAL');
    assert.equal((d.body.results as unknown[]).length, 100);
    assert.equal(d.body.totalCount, sim.inventory.counts().total);
    assert.equal((await get('/api/v1/computers-inventory?page-size=2001')).status, 400);
    const sections = 'section=GENERAL&section=HARDWARE&section=OPERATING_SYSTEM&section=GROUP_MEMBERSHIPS';
    const r = await get(`/api/v1/computers-inventory?${sections}&page=0&page-size=2000&sort=id%3Aasc`);
    const results = r.body.results as {
      id: string;
      general: { platform: string };
      hardware: { serialNumber: string };
      operatingSystem: { name: string };
      groupMemberships: { groupName: string }[];
    }[];
    assert.equal(results.length, sim.inventory.counts().total);
    assert.deepEqual(
      results.map((x) => Number(x.id)),
      [...results.map((x) => Number(x.id))].sort((a, b) => a - b),
    );
    assert.ok(results.every((x) => x.general.platform === 'Mac' && x.operatingSystem.name === 'macOS'));
    assert.ok(results.every((x) => x.hardware.serialNumber.startsWith('SN')));
    assert.ok(results.every((x) => x.groupMemberships.some((g) => g.groupName === 'all-macos')));
    assert.equal((await get('/api/v1/computers-inventory?section=NOPE')).status, 400);
    assert.equal((await get(`/api/v1/computers-inventory?filter=${encodeURIComponent('general.secret=="x"')}`)).status, 400);
  });

  it('"v4 … lastContactTime→lastContact" and Classic "GET /JSSResource/computergroups/name/{enc}" with computers', async () => {
    const v4 = await get('/api/v4/computers-inventory?section=GENERAL&page-size=1');
    const g = (v4.body.results as { general: Record<string, unknown> }[])[0]!.general;
    assert.ok('lastContact' in g && !('lastContactTime' in g));
    const grp = await get('/JSSResource/computergroups/name/dept-finance');
    const cg = grp.body.computer_group as { is_smart: boolean; computers: { id: number; serial_number: string }[] };
    assert.equal(cg.is_smart, false);
    assert.equal(cg.computers.length, sim.inventory.members('dept-finance').length);
  });
});

describe('SCCM simulator inventory (A3)', () => {
  const sim = new SccmSimulator(FLEET);
  let url = '';
  const auth = { authorization: `Basic ${Buffer.from(`${sim.username}:${sim.password}`).toString('base64')}` };
  before(async () => void (url = await sim.listen(0)));
  after(() => sim.close());
  const get = (path: string) => fetch(`${url}/AdminService/wmi${path}`, { headers: auth }).then(json);

  it('"SMS_R_System … $filter=Client eq 1 and Obsolete eq 0", paged by @odata.nextLink: obsolete twins dropped, no $skip', async () => {
    const all = await get('/SMS_R_System?$select=ResourceId,Obsolete');
    assert.ok(all.body['@odata.nextLink'], 'more than one page');
    const rows: { ResourceId: number }[] = [];
    const live = encodeURIComponent('Client eq 1 and Obsolete eq 0');
    const start = `${url}/AdminService/wmi/SMS_R_System?$select=ResourceId,Name,Client,Obsolete&$filter=${live}`;
    for (const r of await odataPages(start, auth)) rows.push(...(r.body.value as { ResourceId: number }[]));
    assert.equal(rows.length, sim.inventory.counts().total, 'one live record per Windows device');
    assert.equal((await get('/SMS_R_System?$skip=10')).status, 400);
  });

  it('"SMS_FullCollectionMembership?$filter=CollectionID eq \'{id}\'": members of the collection named like a fleet group', async () => {
    const c = await get(`/SMS_Collection?$filter=${encodeURIComponent("Name eq 'region-emea'")}`);
    const id = (c.body.value as { CollectionID: string }[])[0]!.CollectionID;
    const m = await get(`/SMS_FullCollectionMembership?$filter=${encodeURIComponent(`CollectionID eq '${id}'`)}`);
    assert.equal((m.body.value as unknown[]).length, sim.inventory.members('region-emea').length);
    assert.equal((await get('/SMS_FullCollectionMembership')).status, 400);
  });
});

describe('Landscape simulator inventory (A4)', () => {
  const sim = new LandscapeSimulator({ size: 25_000, labSize: 10 });
  let url = '';
  before(async () => void (url = await sim.listen(0)));
  after(() => sim.close());
  const call = async (params: Record<string, string>) => {
    const all: Record<string, string> = {
      ...params,
      access_key_id: sim.accessKey,
      signature_method: 'HmacSHA256',
      signature_version: '2',
      timestamp: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
      version: '2011-08-01',
    };
    all.signature = landscapeSignature(sim.secretKey, 'POST', new URL(url).host, '/api/', all);
    return fetch(`${url}/api/`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(all),
    }).then(async (r) => ({ status: r.status, body: (await r.json()) as unknown }));
  };

  it('"GetComputers (query, limit default 1000, offset)" with tags; tag: and OR queries; a larger limit is refused', async () => {
    const total = sim.inventory.counts().total;
    assert.ok(total > 1000);
    const first = await call({ action: 'GetComputers' });
    assert.equal((first.body as unknown[]).length, 1000);
    const rest = await call({ action: 'GetComputers', offset: '1000' });
    assert.equal((rest.body as unknown[]).length, Math.min(1000, total - 1000));
    const c = (first.body as { tags: string[]; distribution: string }[])[0]!;
    assert.ok(c.tags.includes('all-linux') && c.distribution.startsWith('Ubuntu'));
    const lab = await call({ action: 'GetComputers', query: 'tag:lab OR tag:region-apac' });
    assert.equal((lab.body as unknown[]).length, new Set([...sim.inventory.members('lab'), ...sim.inventory.members('region-apac')]).size);
    assert.equal((await call({ action: 'GetComputers', limit: '1001' })).status, 400);
    assert.equal(((await call({ action: 'GetComputers', query: 'color:red' })).body as { error: string }).error, 'InvalidQuery');
  });
});

describe('AWX simulator inventory (A5)', () => {
  const sim = new AwxSimulator(FLEET);
  let url = '';
  let auth: Record<string, string> = {};
  before(async () => {
    url = await sim.listen(0);
    const t = await fetch(`${url}/api/v2/tokens/`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`eucora:${sim.password}`).toString('base64')}` },
    });
    auth = { authorization: `Bearer ${((await t.json()) as { token: string }).token}` };
  });
  after(() => sim.close());
  const get = (path: string) => fetch(`${url}${path}`, { headers: auth }).then(json);

  it('"page_size default 25, capped at 200", order_by=id, Invalid page past the end, modified__gt narrows', async () => {
    assert.equal(((await get('/api/v2/inventories/1/hosts/')).body.results as unknown[]).length, 25);
    const big = await get('/api/v2/inventories/1/hosts/?page_size=500&page=1&order_by=id');
    assert.equal((big.body.results as unknown[]).length, Math.min(200, sim.inventory.counts().total));
    assert.equal(big.body.count, sim.inventory.counts().total);
    const pages = Math.ceil(sim.inventory.counts().total / 200);
    assert.equal((await get(`/api/v2/inventories/1/hosts/?page_size=200&page=${pages + 1}`)).status, 404);
    assert.equal((await get('/api/v2/inventories/2/hosts/')).status, 404);
    const since = new Date().toISOString();
    const changed = sim.inventory
      .devices()
      .slice(0, 3)
      .map((d) => d.id);
    sim.inventory.touch(changed, {}, new Date(Date.now() + 1000).toISOString());
    assert.equal((await get(`/api/v2/inventories/1/hosts/?modified__gt=${encodeURIComponent(since)}`)).body.count, 3);
  });

  it('"/inventories/{id}/groups/?name=" and "/groups/{gid}/hosts/": the fleet groups and their hosts', async () => {
    const g = await get('/api/v2/inventories/1/groups/?name=dept-sales');
    const gid = (g.body.results as { id: number }[])[0]!.id;
    const hosts = await get(`/api/v2/groups/${gid}/hosts/?page_size=200`);
    assert.equal(hosts.body.count, sim.inventory.members('dept-sales').length);
  });
});

describe('inventory admin routes (/_sim/inventory)', () => {
  it('change a plane inventory at run time without counting as plane requests', async () => {
    const sim = new AwxSimulator({ size: 500, labSize: 5 });
    const url = await sim.listen(0);
    try {
      const before = sim.getStats().requests;
      const [first, second] = sim.inventory.devices();
      const r = await fetch(`${url}/_sim/inventory`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ touch: [second!.id], osVersion: '30.04', remove: [first!.id] }),
      });
      const body = (await r.json()) as { touched: number; removed: number; total: number };
      assert.deepEqual([body.touched, body.removed], [1, 1]);
      assert.equal(sim.inventory.get(second!.id)!.osVersion, '30.04');
      assert.equal(((await (await fetch(`${url}/_sim/inventory`)).json()) as { total: number }).total, body.total);
      assert.equal(sim.getStats().requests, before);
    } finally {
      await sim.close();
    }
  });
});
