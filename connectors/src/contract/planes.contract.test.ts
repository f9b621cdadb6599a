import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomUUID } from 'node:crypto';
import { AwxSimulator, JamfSimulator, LandscapeSimulator, landscapeSignature, SccmSimulator, type SimServer } from '@eucora/agent-sim';
import {
  AwxConnector,
  JamfConnector,
  jamfNames,
  LandscapeConnector,
  landscapeTitles,
  signLandscape,
  SccmConnector,
  sccmAppName,
  BreakerOpenError,
  ResilientCaller,
  type BreakerState,
  type DeployRingRequest,
  type PlaneConnector,
  buildSdmPackageXml,
} from '../index';
import { ringContent } from '../testing/ring-planes';
import { isConflictError, isNotAllowedError, isUpstreamUnavailableError, isPermanentDomainError } from '@eucora/core';

/** One plane under contract test: its simulator and how to build its connector against it. */
interface PlaneCase {
  plane: string;
  sim: () => SimServer;
  connector: (url: string, sim: SimServer, caller: ResilientCaller) => PlaneConnector;
  /** Object count on the simulator for this intent (apps, policies, deployments, jobs…), to prove idempotency. */
  objects: (sim: SimServer, req: DeployRingRequest) => number;
  /** The same connector with a wrong secret. */
  wrong: (url: string, sim: SimServer, caller: ResilientCaller) => PlaneConnector;
  /** Plane-specific checks after the rollback (what the rollback left on the plane). */
  afterRollback?: (sim: SimServer, req: DeployRingRequest) => void;
}

const CASES: PlaneCase[] = [
  {
    plane: 'awx',
    sim: () => new AwxSimulator({ size: 400, labSize: 6 }),
    connector: (url, sim, caller) =>
      new AwxConnector({ baseUrl: url, username: 'eucora', password: (sim as AwxSimulator).password, caller }),
    wrong: (url, _sim, caller) => new AwxConnector({ baseUrl: url, username: 'eucora', password: 'wrong', caller }),
    objects: (sim, req) =>
      (sim.getStats().jobsByLabel as Record<string, number>)[`eucora:${req.intentId}:ring${req.ring.index}:deploy`] ?? 0,
    afterRollback: (sim, req) =>
      assert.equal((sim.getStats().jobsByLabel as Record<string, number>)[`eucora:${req.intentId}:ring${req.ring.index}:rollback`], 1),
  },
  {
    plane: 'sccm',
    sim: () => new SccmSimulator({ size: 400, labSize: 6 }),
    connector: (url, sim, caller) =>
      new SccmConnector({ baseUrl: url, username: (sim as SccmSimulator).username, password: (sim as SccmSimulator).password, caller }),
    wrong: (url, sim, caller) => new SccmConnector({ baseUrl: url, username: (sim as SccmSimulator).username, password: 'wrong', caller }),
    // One application and one install deployment for this intent (a second of either would count as 2+).
    objects: (sim, req) => {
      const st = sim.getStats() as unknown as { appsByName: Record<string, number>; assignmentsByKey: Record<string, number> };
      const installs = Object.entries(st.assignmentsByKey)
        .filter(([k]) => k.startsWith(`${sccmAppName(req)}|`) && k.endsWith('|1'))
        .reduce((n, [, v]) => n + v, 0);
      return Math.max(st.appsByName[sccmAppName(req)] ?? 0, installs);
    },
    afterRollback: (sim, req) => {
      const keys = (sim.getStats() as unknown as { assignmentsByKey: Record<string, number> }).assignmentsByKey;
      const mine = Object.entries(keys).filter(([k]) => k.startsWith(`${sccmAppName(req)}|`));
      assert.deepEqual(
        mine.map(([k, n]) => [k.split('|')[2], n]),
        [['2', 1]],
        'install deployment deleted, one uninstall deployment',
      );
    },
  },
  {
    plane: 'jamf',
    sim: () => new JamfSimulator({ size: 400, labSize: 6 }),
    connector: (url, sim, caller) =>
      new JamfConnector({
        baseUrl: url,
        clientId: (sim as JamfSimulator).clientId,
        clientSecret: (sim as JamfSimulator).clientSecret,
        caller,
      }),
    wrong: (url, sim, caller) =>
      new JamfConnector({ baseUrl: url, clientId: (sim as JamfSimulator).clientId, clientSecret: 'wrong', caller }),
    objects: (sim, req) => {
      const st = sim.getStats() as unknown as { policiesByName: Record<string, number>; packagesByName: Record<string, number> };
      return Math.max(st.policiesByName[jamfNames(req).policy] ?? 0, st.packagesByName[jamfNames(req).packageName] ?? 0);
    },
    // The rollback is a script policy (contracts A2 Uninstall), not the package action Uninstall.
    afterRollback: (sim, req) => assert.equal((sim.getStats().policiesByName as Record<string, number>)[jamfNames(req).uninstall], 1),
  },
  {
    plane: 'landscape',
    sim: () => new LandscapeSimulator({ size: 400, labSize: 6 }),
    connector: (url, sim, caller) =>
      new LandscapeConnector({
        baseUrl: url,
        accessKey: (sim as LandscapeSimulator).accessKey,
        secretKey: (sim as LandscapeSimulator).secretKey,
        caller,
      }),
    wrong: (url, sim, caller) =>
      new LandscapeConnector({ baseUrl: url, accessKey: (sim as LandscapeSimulator).accessKey, secretKey: 'wrong', caller }),
    // contracts A4 Execute: summary is `Run script: <title>`
    objects: (sim, req) =>
      (sim.getStats().executionsBySummary as Record<string, number>)[`Run script: ${landscapeTitles(req).install}`] ?? 0,
    afterRollback: (sim, req) =>
      assert.equal((sim.getStats().executionsBySummary as Record<string, number>)[`Run script: ${landscapeTitles(req).uninstall}`], 1),
  },
];

const request = (): DeployRingRequest => {
  const intentId = randomUUID();
  return {
    tenantId: 't',
    intentId,
    correlationId: 'c',
    ring: { index: 0, name: 'ring0-lab', deviceGroup: 'lab' },
    artifact: {
      name: 'ContractPkg',
      version: '1.0',
      publisher: 'Contoso',
      sha256: content.sha256,
      installCommand: 'install.sh',
      uninstallCommand: 'uninstall.sh',
      platform: 'linux',
      format: 'script',
      sizeBytes: content.sizeBytes,
      detectionRule: { type: 'file', value: '/opt/contract/VERSION' },
    },
    content,
  };
};
const content = ringContent(Buffer.from('#!/bin/sh\necho contract package\n'.repeat(64)), 'contract-pkg.sh');

for (const c of CASES) {
  describe(`${c.plane} connector contract (over HTTP against agent-sim)`, () => {
    const sim = c.sim();
    let url: string;
    before(async () => {
      sim.engine.config.installDurationMs = 60;
      url = await sim.listen(0);
    });
    after(async () => sim.close());
    const clean = () =>
      Object.assign(sim.faults, { outage: false, failNext: 0, failStatus: 503, throttleNext: 0, latencyMs: 0, errorRate: 0 });
    const settle = async (
      conn: PlaneConnector,
      r: DeployRingRequest,
      d: Awaited<ReturnType<PlaneConnector['deployRing']>>,
      baseline: Record<string, number>,
    ) => {
      let counts = await conn.ringStatus({ ...r, deployment: d, baseline });
      for (let i = 0; i < 60 && (counts.pending > 0 || counts.targeted === 0); i++) {
        await new Promise((res) => setTimeout(res, 50));
        counts = await conn.ringStatus({ ...r, deployment: d, baseline });
      }
      return counts;
    };

    it('deploy → per-device status → idempotent re-deploy from fresh connectors → rollback', async () => {
      const t0 = Date.now();
      const conn = c.connector(url, sim, new ResilientCaller(c.plane, { retryInitialMs: 20 }));
      const r = request();
      const baseline = await conn.ringBaseline(r);
      const d = await conn.deployRing(r);
      assert.equal(d.plane, c.plane);
      const counts = await settle(conn, r, d, baseline);
      assert.equal(counts.targeted, 6);
      assert.equal(counts.succeeded, 6);
      assert.equal(counts.failed, 0);
      for (let i = 0; i < 2; i++) {
        const again = await c.connector(url, sim, new ResilientCaller(c.plane)).deployRing(r);
        assert.equal(again.adopted, true);
        assert.deepEqual(again.objectIds, d.objectIds);
      }
      assert.equal(c.objects(sim, r), 1, 'exactly one object on the plane after three deploys');
      await conn.rollbackRing({ ...r, deployment: d });
      await c.connector(url, sim, new ResilientCaller(c.plane)).rollbackRing({ ...r, deployment: d }); // a retried rollback changes nothing more
      c.afterRollback?.(sim, r);
      process.stdout.write(
        `# ${c.plane}: deploy→status(${counts.succeeded}/${counts.targeted})→3 deploys=${c.objects(sim, r)} object→rollback in ${Date.now() - t0} ms\n`,
      );
    });

    it('a failing package shows failed devices', async () => {
      sim.engine.config.failureRules = [{ match: 'Broken', rate: 1 }];
      const conn = c.connector(url, sim, new ResilientCaller(c.plane, { retryInitialMs: 20 }));
      const r = { ...request(), artifact: { ...request().artifact, name: 'BrokenPkg' } };
      const baseline = await conn.ringBaseline(r);
      const counts = await settle(conn, r, await conn.deployRing(r), baseline);
      assert.equal(counts.failed, counts.targeted);
      assert.ok(counts.targeted > 0);
      sim.engine.config.failureRules = [];
    });

    it('a repeated deploy of the same intent and ring converges to one object, also from a fresh client', async () => {
      const r = request();
      const a = await c.connector(url, sim, new ResilientCaller(c.plane)).deployRing(r);
      const b = await c.connector(url, sim, new ResilientCaller(c.plane)).deployRing(r);
      assert.equal(b.adopted, true);
      assert.deepEqual(b.objectIds, a.objectIds);
      assert.equal(c.objects(sim, r), 1);
    });

    it('transient faults (503 twice, then a 429 with Retry-After) are survived', async () => {
      clean();
      const conn = c.connector(url, sim, new ResilientCaller(c.plane, { retryInitialMs: 20, retryMaxMs: 2000 }));
      sim.faults.failNext = 2;
      await conn.deployRing(request());
      sim.faults.throttleNext = 1;
      sim.faults.retryAfterSeconds = 1;
      const t0 = Date.now();
      await conn.deployRing(request());
      assert.ok(Date.now() - t0 >= 950, 'waited for Retry-After');
      clean();
    });

    it('permanent faults fail fast and are not retried', async () => {
      clean();
      const conn = c.connector(url, sim, new ResilientCaller(c.plane, { retryInitialMs: 20 }));
      await conn.deployRing(request()); // authenticate first
      sim.faults.failNext = 1;
      sim.faults.failStatus = 403;
      const before = sim.getStats().requests;
      await assert.rejects(conn.deployRing(request()), (err) => isPermanentDomainError(err));
      assert.equal(sim.getStats().requests - before, 1);
      clean();
    });

    it('wrong credentials fail fast as not allowed, nothing is created, nothing retried', async () => {
      clean();
      const before = sim.getStats().requests;
      const counters = JSON.stringify({ ...sim.getStats(), requests: 0, requestsByRoute: {} });
      await assert.rejects(c.wrong(url, sim, new ResilientCaller(c.plane, { retryInitialMs: 20 })).deployRing(request()), (err) =>
        isNotAllowedError(err),
      );
      assert.ok(sim.getStats().requests - before <= 2, 'at most the auth call and one refresh');
      assert.equal(JSON.stringify({ ...sim.getStats(), requests: 0, requestsByRoute: {} }), counters);
    });

    it('the breaker opens after 5 failures and closes after a successful half-open probe', async () => {
      clean();
      const states: BreakerState[] = [];
      const conn = c.connector(url, sim, new ResilientCaller(c.plane, { retries: 0, resetTimeoutMs: 500 }, (s) => states.push(s)));
      await conn.deployRing(request());
      sim.faults.outage = true;
      for (let i = 0; i < 5; i++) await assert.rejects(conn.deployRing(request()), (err) => isUpstreamUnavailableError(err));
      const before = sim.getStats().requests;
      await assert.rejects(conn.deployRing(request()), (err) => err instanceof BreakerOpenError);
      assert.equal(sim.getStats().requests, before);
      sim.faults.outage = false;
      await new Promise((r) => setTimeout(r, 600));
      await conn.deployRing(request());
      assert.deepEqual(states, ['open', 'half_open', 'closed']);
    });
  });
}

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('AWX simulator pinned to the contract', () => {
  const sim = new AwxSimulator({ size: 100, labSize: 3 });
  let url: string;
  let h: Record<string, string>;
  before(async () => {
    sim.engine.config.installDurationMs = 30;
    url = await sim.listen(0);
    const t = await fetch(`${url}/api/v2/tokens/`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`eucora:${sim.password}`).toString('base64')}` },
    });
    assert.equal(t.status, 201);
    h = { authorization: `Bearer ${((await t.json()) as { token: string }).token}`, 'content-type': 'application/json' };
  });
  after(async () => sim.close());
  const post = (path: string, body: unknown) => fetch(`${url}${path}`, { method: 'POST', headers: h, body: JSON.stringify(body) });

  // contracts §5 Launch / Cancel / Idempotency: never idempotent, 405 on finished, extra_vars filters rejected
  it('launch is not idempotent, cancel of a finished job is 405, extra_vars filters are rejected', async () => {
    const a = await post('/api/v2/job_templates/7/launch/', { limit: 'lab' });
    const b = await post('/api/v2/job_templates/7/launch/', { limit: 'lab' });
    assert.equal(a.status, 201);
    assert.match(a.headers.get('location') ?? '', /^\/api\/v2\/jobs\/\d+\/$/);
    const ja = (await a.json()) as { job: number };
    assert.notEqual(ja.job, ((await b.json()) as { job: number }).job);
    await wait(200);
    const done = (await (await fetch(`${url}/api/v2/jobs/${ja.job}/`, { headers: h })).json()) as { status: string };
    assert.equal(done.status, 'successful');
    const cancel = await fetch(`${url}/api/v2/jobs/${ja.job}/cancel/`, { method: 'POST', headers: h });
    assert.equal(cancel.status, 405);
    assert.ok(((await cancel.json()) as { detail: string }).detail);
    assert.equal((await fetch(`${url}/api/v2/jobs/?extra_vars__icontains=x`, { headers: h })).status, 400);
    assert.equal((await fetch(`${url}/api/v2/jobs/`, { headers: { authorization: 'Bearer nope' } })).status, 401);
  });

  // contracts §5 Corrections: ignored_fields — 201, the fields listed, the job runs with the template's own values
  it('a template that prompts for nothing answers 201 with ignored_fields and runs on every host', async () => {
    const r = await post('/api/v2/job_templates/9/launch/', { limit: 'lab', extra_vars: { a: 1 }, labels: [] });
    assert.equal(r.status, 201);
    const j = (await r.json()) as { job: number; ignored_fields: Record<string, unknown>; limit: string };
    assert.deepEqual(Object.keys(j.ignored_fields).sort(), ['extra_vars', 'labels', 'limit']);
    assert.equal(j.limit, '');
    await wait(200);
    const hosts = (await (await fetch(`${url}/api/v2/jobs/${j.job}/job_host_summaries/`, { headers: h })).json()) as { count: number };
    assert.equal(hosts.count, 100, 'every host of the inventory, not the 3 lab hosts');
  });

  // contracts A5 Labels: label ids on launch; (name, organization) unique; names → 400
  it('labels are ids: names are a 400, unknown ids a 400, labels are created per organization', async () => {
    const byName = await post('/api/v2/job_templates/7/launch/', { limit: 'lab', labels: ['eucora:x'] });
    assert.equal(byName.status, 400);
    assert.match(((await byName.json()) as { labels: string[] }).labels[0]!, /Expected pk value, received str/);
    assert.equal((await post('/api/v2/job_templates/7/launch/', { limit: 'lab', labels: [999] })).status, 400);
    assert.equal((await post('/api/v2/labels/', { name: 'eucora:x' })).status, 400, 'organization is required');
    const made = await post('/api/v2/labels/', { name: 'eucora:x', organization: sim.organization });
    assert.equal(made.status, 201);
    const id = ((await made.json()) as { id: number }).id;
    assert.equal(
      (await post('/api/v2/labels/', { name: 'eucora:x', organization: sim.organization })).status,
      400,
      'duplicate (name, organization)',
    );
    const found = (await (
      await fetch(`${url}/api/v2/labels/?name=eucora%3Ax&organization=${sim.organization}`, { headers: h })
    ).json()) as { results: { id: number }[] };
    assert.deepEqual(
      found.results.map((l) => l.id),
      [id],
    );
    assert.equal((await post('/api/v2/job_templates/7/launch/', { limit: 'lab', labels: [id] })).status, 201);
  });

  // contracts A5 Launch: the connector refuses a template without ask_limit_on_launch; nothing is launched
  it('the connector refuses to launch a template that does not prompt for limit', async () => {
    const before = sim.launches;
    const conn = new AwxConnector({
      baseUrl: url,
      username: 'eucora',
      password: sim.password,
      deployTemplate: 'locked-template',
      caller: new ResilientCaller('awx', { retries: 0 }),
    });
    await assert.rejects(
      conn.deployRing(request()),
      (err) => isPermanentDomainError(err) && /ask_limit_on_launch/.test((err as Error).message),
    );
    assert.equal(sim.launches, before);
  });
});

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

describe('Jamf simulator pinned to the contract', () => {
  const sim = new JamfSimulator({ size: 50, labSize: 3 });
  let url: string;
  let h: Record<string, string>;
  before(async () => {
    sim.engine.config.installDurationMs = 30;
    url = await sim.listen(0);
    const t = (await (
      await fetch(`${url}/api/v1/oauth/token`, {
        method: 'POST',
        body: new URLSearchParams({ grant_type: 'client_credentials', client_id: sim.clientId, client_secret: sim.clientSecret }),
      })
    ).json()) as { access_token: string; expires_in: number; token_type: string };
    assert.equal(t.expires_in, 599);
    assert.equal(t.token_type, 'Bearer');
    h = { authorization: `Bearer ${t.access_token}` };
  });
  after(async () => sim.close());
  const xmlPost = (path: string, xml: string) =>
    fetch(`${url}${path}`, { method: 'POST', headers: { ...h, 'content-type': 'application/xml' }, body: xml });
  const jsonPost = (path: string, body: unknown) =>
    fetch(`${url}${path}`, { method: 'POST', headers: { ...h, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const labId = async () =>
    (
      (await (await fetch(`${url}/JSSResource/computergroups/name/lab`, { headers: { ...h, accept: 'application/json' } })).json()) as {
        computer_group: { id: number };
      }
    ).computer_group.id;
  const logs = async (policyId: number) => {
    const out: string[] = [];
    for (const c of [1, 2, 3]) {
      const hist = (await (await fetch(`${url}/JSSResource/computerhistory/id/${c}/subset/PolicyLogs`, { headers: h })).json()) as {
        computer_history: { policy_logs: { policy_id: number; status: string }[] };
      };
      out.push(hist.computer_history.policy_logs.find((l) => l.policy_id === policyId)?.status ?? 'none');
    }
    return out;
  };
  const policy = (name: string, group: number, inner: string, checkin = true) =>
    `<policy><general><name>${name}</name><enabled>true</enabled><trigger_checkin>${checkin}</trigger_checkin></general><scope><computer_groups><computer_group><id>${group}</id></computer_group></computer_groups></scope>${inner}</policy>`;
  const pkgXml = (id: number, action = 'Install') =>
    `<package_configuration><packages><size>1</size><package><id>${id}</id><action>${action}</action></package></packages></package_configuration>`;

  // contracts §2 Packages (DUPLICATE_FIELD) and Policy (409 HTML "Duplicate name", case-insensitive)
  it('duplicate package → 400 DUPLICATE_FIELD; duplicate policy name (any case) → 409 with an HTML body', async () => {
    const pkg = { packageName: 'dup-pkg', fileName: 'dup.pkg' };
    assert.equal((await jsonPost('/api/v1/packages', pkg)).status, 201);
    const dup = await jsonPost('/api/v1/packages', pkg);
    assert.equal(dup.status, 400);
    const err = (await dup.json()) as { errors: { code: string; field: string }[] };
    assert.deepEqual([err.errors[0]!.code, err.errors[0]!.field], ['DUPLICATE_FIELD', 'packageName']);
    const xml = (name: string) => `<policy><general><name>${name}</name><enabled>true</enabled></general></policy>`;
    const first = await xmlPost('/JSSResource/policies/id/0', xml('Dup Policy'));
    assert.equal(first.status, 201);
    assert.match(await first.text(), /<policy><id>\d+<\/id><\/policy>/);
    const second = await xmlPost('/JSSResource/policies/id/0', xml('DUP POLICY'));
    assert.equal(second.status, 409);
    assert.match(second.headers.get('content-type') ?? '', /text\/html/);
    assert.match(await second.text(), /<p>Error: Duplicate name<\/p>/);
    const list = (await (await fetch(`${url}/JSSResource/policies`, { headers: { ...h, accept: 'application/json' } })).json()) as {
      policies: { id: number; name: string }[];
    };
    assert.equal(list.policies.filter((p) => p.name.toLowerCase() === 'dup policy').length, 1);
  });

  // contracts A2 Target: a smart-group criterion must name an existing inventory field (else 409)
  it('a smart group on a custom "EUCORA Ring" criterion is a 409; on an inventory field it is accepted', async () => {
    const smart = (field: string, name: string) =>
      `<computer_group><name>${name}</name><is_smart>true</is_smart><criteria><criterion><name>${field}</name><priority>0</priority><and_or>and</and_or><search_type>is</search_type><value>lab</value></criterion></criteria></computer_group>`;
    assert.equal((await xmlPost('/JSSResource/computergroups/id/0', smart('EUCORA Ring', 'g1'))).status, 409);
    assert.equal((await xmlPost('/JSSResource/computergroups/id/0', smart('Department', 'g2'))).status, 201);
  });

  // contracts A2 Upload + "an install fails on devices when the package has no uploaded content" + trigger_checkin
  it('install fails without uploaded content; a policy without trigger_checkin never runs; upload sets hashValue (SHA3_512)', async () => {
    const group = await labId();
    const empty = Number(
      (
        (await (
          await jsonPost('/api/v1/packages', {
            packageName: 'empty-pkg',
            fileName: 'e.pkg',
            hashType: 'SHA3_512',
            hashValue: 'f'.repeat(128),
          })
        ).json()) as { id: string }
      ).id,
    );
    const p1 = Number(
      /<id>(\d+)<\/id>/.exec(await (await xmlPost('/JSSResource/policies/id/0', policy('no content', group, pkgXml(empty)))).text())![1],
    );
    const full = Number(
      ((await (await jsonPost('/api/v1/packages', { packageName: 'full-pkg', fileName: 'f.pkg' })).json()) as { id: string }).id,
    );
    const bytes = Buffer.from('real package bytes');
    const form = new FormData();
    form.append('file', new Blob([bytes]), 'f.pkg');
    assert.equal((await fetch(`${url}/api/v1/packages/${full}/upload`, { method: 'POST', headers: h, body: form })).status, 201);
    await wait(120);
    const rec = (await (await fetch(`${url}/api/v1/packages/${full}`, { headers: h })).json()) as { hashType: string; hashValue: string };
    assert.deepEqual([rec.hashType, rec.hashValue], ['SHA3_512', createHash('sha3-512').update(bytes).digest('hex')]);
    const p2 = Number(
      /<id>(\d+)<\/id>/.exec(await (await xmlPost('/JSSResource/policies/id/0', policy('with content', group, pkgXml(full)))).text())![1],
    );
    const p3 = Number(
      /<id>(\d+)<\/id>/.exec(
        await (await xmlPost('/JSSResource/policies/id/0', policy('no trigger', group, pkgXml(full), false))).text(),
      )![1],
    );
    await wait(120);
    assert.deepEqual(await logs(p1), ['Failed', 'Failed', 'Failed'], 'a client-sent hashValue is not content');
    assert.deepEqual(await logs(p2), ['Completed', 'Completed', 'Completed']);
    assert.deepEqual(await logs(p3), ['none', 'none', 'none']);
  });

  // contracts A2 Upload: the package Jamf holds must be the verified bytes (SHA3_512 hashValue)
  it('the connector refuses to adopt a package of the same name holding other bytes', async () => {
    const r = { ...request(), artifact: { ...request().artifact, name: 'Other' } };
    const id = Number(
      ((await (await jsonPost('/api/v1/packages', { packageName: jamfNames(r).packageName, fileName: 'o.pkg' })).json()) as { id: string })
        .id,
    );
    const form = new FormData();
    form.append('file', new Blob([Buffer.from('not the verified bytes')]), 'o.pkg');
    await fetch(`${url}/api/v1/packages/${id}/upload`, { method: 'POST', headers: h, body: form });
    await wait(120);
    const conn = new JamfConnector({
      baseUrl: url,
      clientId: sim.clientId,
      clientSecret: sim.clientSecret,
      caller: new ResilientCaller('jamf', { retries: 0 }),
    });
    const policies = sim.getStats().policies;
    await assert.rejects(conn.deployRing(r), (err) => isConflictError(err) && /other bytes/.test((err as Error).message));
    assert.equal(sim.getStats().policies, policies);
  });

  // contracts A2 Uninstall: package action Uninstall removes nothing; a script policy (parameter4 = package) does
  it('the Uninstall package action removes nothing; an uninstall script policy removes the package', async () => {
    const group = await labId();
    const id = Number(
      ((await (await jsonPost('/api/v1/packages', { packageName: 'rm-pkg', fileName: 'rm.pkg' })).json()) as { id: string }).id,
    );
    const form = new FormData();
    form.append('file', new Blob([Buffer.from('rm bytes')]), 'rm.pkg');
    await fetch(`${url}/api/v1/packages/${id}/upload`, { method: 'POST', headers: h, body: form });
    await wait(120);
    await xmlPost('/JSSResource/policies/id/0', policy('rm install', group, pkgXml(id)));
    await wait(100);
    await xmlPost('/JSSResource/policies/id/0', policy('rm by action', group, pkgXml(id, 'Uninstall')));
    await wait(100);
    const install = (await (await fetch(`${url}/JSSResource/policies`, { headers: { ...h, accept: 'application/json' } })).json()) as {
      policies: { id: number; name: string }[];
    };
    const installId = install.policies.find((p) => p.name === 'rm install')!.id;
    assert.deepEqual(
      sim.engine.states(`jamf:${installId}`).map((s) => s.state),
      ['succeeded', 'succeeded', 'succeeded'],
      'Uninstall action left the package',
    );
    assert.equal(
      (await jsonPost('/api/v1/scripts', { name: 'rm', scriptContents: '#!/bin/sh\nrm -rf /Applications/X.app', priority: 'AFTER' }))
        .status,
      201,
    );
    const scripts = (await (await fetch(`${url}/api/v1/scripts?filter=${encodeURIComponent('name=="rm"')}`, { headers: h })).json()) as {
      results: { id: string }[];
    };
    const scriptXml = `<scripts><size>1</size><script><id>${scripts.results[0]!.id}</id><priority>After</priority><parameter4>rm-pkg</parameter4></script></scripts>`;
    assert.equal((await xmlPost('/JSSResource/policies/id/0', policy('rm by script', group, scriptXml))).status, 201);
    await wait(100);
    assert.deepEqual(
      sim.engine.states(`jamf:${installId}`).map((s) => s.state),
      ['removed', 'removed', 'removed'],
    );
  });
});

describe('Landscape simulator pinned to the contract', () => {
  const sim = new LandscapeSimulator({ size: 50, labSize: 3 });
  let url: string;
  before(async () => {
    sim.engine.config.installDurationMs = 400;
    url = await sim.listen(0);
  });
  after(async () => sim.close());
  const call = (params: Record<string, string>, secret = sim.secretKey) => {
    const all: Record<string, string> = {
      ...params,
      access_key_id: sim.accessKey,
      signature_method: 'HmacSHA256',
      signature_version: '2',
      timestamp: '2026-11-21T10:00:00Z',
      version: '2011-08-01',
    };
    all.signature = signLandscape(secret, 'GET', new URL(url).host, '/api/', all);
    return fetch(`${url}/api/?${new URLSearchParams(all)}`);
  };
  const script = async (title: string) => {
    await call({ action: 'CreateScript', title, code: Buffer.from('echo hi').toString('base64') });
    return String(
      ((await (await call({ action: 'GetScripts' })).json()) as { id: number; title: string }[]).find((s) => s.title === title)!.id,
    );
  };

  // contracts §4 Auth: signature v2
  it('verifies signature v2: the connector and simulator implementations agree, and a bad signature is rejected', async () => {
    const params = { action: 'GetScripts', b: 'x y', a: "it's(1)*" };
    assert.equal(signLandscape('k', 'GET', 'Host:1', '/api/', params), landscapeSignature('k', 'GET', 'host:1', '/api/', params));
    assert.equal((await call({ action: 'GetScripts' })).status, 200);
    const bad = await call({ action: 'GetScripts' }, 'wrong-secret');
    assert.equal(bad.status, 401);
    assert.equal(((await bad.json()) as { error: string }).error, 'InvalidSignature');
  });

  // contracts A4 Execute: summary "Run script: <title>" (no "on <query>"), parent_id null; always a new group
  it('DuplicateScript is a named 400 error; ExecuteScript always makes a new activity group named "Run script: <title>"', async () => {
    const code = Buffer.from('echo hi').toString('base64');
    assert.equal((await call({ action: 'CreateScript', title: 'dup', code })).status, 200);
    const dup = await call({ action: 'CreateScript', title: 'dup', code });
    assert.equal(dup.status, 400);
    assert.deepEqual(Object.keys((await dup.json()) as object).sort(), ['error', 'message']);
    const id = await script('dup');
    const a = (await (await call({ action: 'ExecuteScript', query: 'tag:lab', script_id: id, username: 'root' })).json()) as {
      id: number;
      type: string;
      summary: string;
      parent_id: null;
    };
    const b = (await (await call({ action: 'ExecuteScript', query: 'tag:lab', script_id: id, username: 'root' })).json()) as { id: number };
    assert.deepEqual([a.type, a.summary, a.parent_id], ['ActivityGroup', 'Run script: dup', null]);
    assert.notEqual(a.id, b.id);
    const children = (await (await call({ action: 'GetActivities', query: `parent-id:${a.id}` })).json()) as {
      parent_id: number;
      activity_status: string;
    }[];
    assert.equal(children.length, 3);
    assert.ok(children.every((c) => c.parent_id === a.id && c.activity_status === 'undelivered'));
    const since = (await (
      await call({ action: 'GetActivities', query: `type:ActivityGroup created-after:2000-01-01T00:00:00Z` })
    ).json()) as { summary: string }[];
    assert.ok(since.filter((g) => g.summary === 'Run script: dup').length >= 2);
  });

  // contracts A4 Cancel: undelivered cancels; finished selections answer 400 InvalidActivityStatusChange "<id> => <message>"
  it('cancel of undelivered work succeeds; a selection with finished activities is a 400 InvalidActivityStatusChange', async () => {
    const id = await script('cancel-me');
    const g = (await (await call({ action: 'ExecuteScript', query: 'tag:lab', script_id: id, username: 'root' })).json()) as { id: number };
    const cancelled = (await (
      await call({ action: 'CancelActivities', query: `parent-id:${g.id} status:undelivered` })
    ).json()) as number[];
    assert.equal(cancelled.length, 3);
    const done = (await (await call({ action: 'ExecuteScript', query: 'tag:lab', script_id: id, username: 'root' })).json()) as {
      id: number;
    };
    await wait(500);
    const res = await call({ action: 'CancelActivities', query: `parent-id:${done.id}` });
    assert.equal(res.status, 400);
    const body = (await res.json()) as { error: string; message: string };
    assert.equal(body.error, 'InvalidActivityStatusChange');
    assert.match(body.message.split('\n')[0]!, /^\d+ => /);
    assert.equal(body.message.split('\n').length, 3);
    assert.deepEqual(await (await call({ action: 'CancelActivities', query: `parent-id:${done.id} status:undelivered` })).json(), []);
  });

  // issue 8 "Also broken" + contracts A4: rollback whose uninstall script is gone fails (never recreated as `exit 0`)
  it('the connector fails a rollback whose uninstall script was removed, and runs nothing', async () => {
    const conn = new LandscapeConnector({
      baseUrl: url,
      accessKey: sim.accessKey,
      secretKey: sim.secretKey,
      caller: new ResilientCaller('landscape', { retries: 0 }),
    });
    const r = request();
    const d = await conn.deployRing(r);
    const uninstallId = await script(landscapeTitles(r).uninstall); // exists already: returns its id
    assert.equal((await call({ action: 'RemoveScript', script_id: uninstallId })).status, 200);
    const groups = sim.getStats().activityGroups;
    await assert.rejects(
      conn.rollbackRing({ ...r, deployment: d }),
      (err) => isPermanentDomainError(err) && /no longer exists/.test((err as Error).message),
    );
    assert.equal(sim.getStats().activityGroups, groups, 'no uninstall executed');
    assert.ok(
      !((await (await call({ action: 'GetScripts' })).json()) as { title: string }[]).some((s) => s.title === landscapeTitles(r).uninstall),
      'not recreated',
    );
  });
});
