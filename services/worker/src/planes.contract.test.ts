import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { AwxSimulator, JamfSimulator, LandscapeSimulator, landscapeSignature, SccmSimulator, type SimServer } from '@eucora/agent-sim';
import { AwxConnector, JamfConnector, jamfNames, LandscapeConnector, landscapeTitles, signLandscape, SccmConnector, sccmAppName, BreakerOpenError, ResilientCaller, type BreakerState, type DeployRingRequest, type PlaneConnector } from '@eucora/connectors';
import { isUpstreamUnavailableError, isPermanentDomainError } from '@eucora/core';

/** One plane under contract test: its simulator and how to build its connector against it. */
interface PlaneCase {
  plane: string;
  sim: () => SimServer;
  connector: (url: string, sim: SimServer, caller: ResilientCaller) => PlaneConnector;
  /** Object count on the simulator for this intent (apps, policies, deployments, jobs…), to prove idempotency. */
  objects: (sim: SimServer, req: DeployRingRequest) => number;
}

const CASES: PlaneCase[] = [
  {
    plane: 'awx',
    sim: () => new AwxSimulator({ size: 400, labSize: 6 }),
    connector: (url, sim, caller) => new AwxConnector({ baseUrl: url, username: 'eucora', password: (sim as AwxSimulator).password, caller }),
    objects: (sim, req) => ((sim.getStats().jobsByLabel as Record<string, number>)[`eucora:${req.intentId}:ring${req.ring.index}:deploy`] ?? 0),
  },
  {
    plane: 'sccm',
    sim: () => new SccmSimulator({ size: 400, labSize: 6 }),
    connector: (url, sim, caller) => new SccmConnector({ baseUrl: url, username: (sim as SccmSimulator).username, password: (sim as SccmSimulator).password, caller }),
    // One application and one install deployment for this intent (a second of either would count as 2+).
    objects: (sim, req) => {
      const st = sim.getStats() as unknown as { appsByName: Record<string, number>; assignmentsByKey: Record<string, number> };
      const installs = Object.entries(st.assignmentsByKey).filter(([k]) => k.startsWith(`${sccmAppName(req)}|`) && k.endsWith('|1')).reduce((n, [, v]) => n + v, 0);
      return Math.max(st.appsByName[sccmAppName(req)] ?? 0, installs);
    },
  },
  {
    plane: 'jamf',
    sim: () => new JamfSimulator({ size: 400, labSize: 6 }),
    connector: (url, sim, caller) => new JamfConnector({ baseUrl: url, clientId: (sim as JamfSimulator).clientId, clientSecret: (sim as JamfSimulator).clientSecret, caller }),
    objects: (sim, req) => ((sim.getStats().policiesByName as Record<string, number>)[jamfNames(req).policy] ?? 0),
  },
  {
    plane: 'landscape',
    sim: () => new LandscapeSimulator({ size: 400, labSize: 6 }),
    connector: (url, sim, caller) => new LandscapeConnector({ baseUrl: url, accessKey: (sim as LandscapeSimulator).accessKey, secretKey: (sim as LandscapeSimulator).secretKey, caller }),
    objects: (sim, req) => ((sim.getStats().executionsBySummary as Record<string, number>)[`Run script: ${landscapeTitles(req).install} on tag:${req.ring.deviceGroup}`] ?? 0),
  },
];

const request = (): DeployRingRequest => {
  const intentId = randomUUID();
  return {
    tenantId: 't',
    intentId,
    idempotencyKey: `wf:${intentId}:ring:0:deploy`,
    correlationId: 'c',
    ring: { index: 0, name: 'ring0-lab', deviceGroup: 'lab' },
    artifact: { name: 'ContractPkg', version: '1.0', publisher: 'Contoso', sha256: 'a'.repeat(64), installCommand: 'install.sh', uninstallCommand: 'uninstall.sh', platform: 'linux', format: 'script', sizeBytes: 1024, detectionRule: { type: 'file', value: '/opt/contract/VERSION' } },
  };
};

for (const c of CASES) {
  describe(`${c.plane} connector contract (over HTTP against agent-sim)`, () => {
    const sim = c.sim();
    let url: string;
    before(async () => {
      sim.engine.config.installDurationMs = 60;
      url = await sim.listen(0);
    });
    after(async () => sim.close());
    const clean = () => Object.assign(sim.faults, { outage: false, failNext: 0, failStatus: 503, throttleNext: 0, latencyMs: 0, errorRate: 0 });
    const settle = async (conn: PlaneConnector, r: DeployRingRequest, d: Awaited<ReturnType<PlaneConnector['deployRing']>>, baseline: Record<string, number>) => {
      let counts = await conn.ringStatus({ ...r, deployment: d, baseline });
      for (let i = 0; i < 60 && (counts.pending > 0 || counts.targeted === 0); i++) {
        await new Promise((res) => setTimeout(res, 50));
        counts = await conn.ringStatus({ ...r, deployment: d, baseline });
      }
      return counts;
    };

    it('deploy → status → rollback', async () => {
      const conn = c.connector(url, sim, new ResilientCaller(c.plane, { retryInitialMs: 20 }));
      const r = request();
      const baseline = await conn.ringBaseline(r);
      const d = await conn.deployRing(r);
      assert.equal(d.plane, c.plane);
      const counts = await settle(conn, r, d, baseline);
      assert.equal(counts.targeted, 6);
      assert.equal(counts.succeeded, 6);
      assert.equal(counts.failed, 0);
      await conn.rollbackRing({ ...r, deployment: d });
      await conn.rollbackRing({ ...r, deployment: d }); // a retried rollback changes nothing more
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

describe('AWX simulator pinned to the contract', () => {
  const sim = new AwxSimulator({ size: 100, labSize: 3 });
  let url: string;
  let h: Record<string, string>;
  before(async () => {
    sim.engine.config.installDurationMs = 30;
    url = await sim.listen(0);
    const t = await fetch(`${url}/api/v2/tokens/`, { method: 'POST', headers: { authorization: `Basic ${Buffer.from(`eucora:${sim.password}`).toString('base64')}` } });
    assert.equal(t.status, 201);
    h = { authorization: `Bearer ${((await t.json()) as { token: string }).token}`, 'content-type': 'application/json' };
  });
  after(async () => sim.close());

  it('launch is not idempotent, cancel of a finished job is 405, extra_vars filters and locked templates are rejected', async () => {
    const launch = () => fetch(`${url}/api/v2/job_templates/7/launch/`, { method: 'POST', headers: h, body: JSON.stringify({ limit: 'lab' }) });
    const a = await launch();
    const b = await launch();
    assert.equal(a.status, 201);
    assert.match(a.headers.get('location') ?? '', /^\/api\/v2\/jobs\/\d+\/$/);
    const ja = (await a.json()) as { job: number };
    assert.notEqual(ja.job, ((await b.json()) as { job: number }).job);
    await new Promise((r) => setTimeout(r, 200));
    const done = (await (await fetch(`${url}/api/v2/jobs/${ja.job}/`, { headers: h })).json()) as { status: string };
    assert.equal(done.status, 'successful');
    const cancel = await fetch(`${url}/api/v2/jobs/${ja.job}/cancel/`, { method: 'POST', headers: h });
    assert.equal(cancel.status, 405);
    assert.ok(((await cancel.json()) as { detail: string }).detail);
    assert.equal((await fetch(`${url}/api/v2/jobs/?extra_vars__icontains=x`, { headers: h })).status, 400);
    const locked = await fetch(`${url}/api/v2/job_templates/9/launch/`, { method: 'POST', headers: h, body: JSON.stringify({ extra_vars: { a: 1 } }) });
    assert.equal(locked.status, 400);
    assert.match(((await locked.json()) as { extra_vars: string[] }).extra_vars[0]!, /not allowed on launch/);
    assert.equal((await fetch(`${url}/api/v2/jobs/`, { headers: { authorization: 'Bearer nope' } })).status, 401);
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

  it('a duplicate create succeeds and makes a duplicate; GET by key returns {value:[obj]}; errors are {error:{code,message}}', async () => {
    const body = JSON.stringify({ SDMPackageXML: '<AppMgmtDigest><Application><DisplayInfo><Info><Title>Dup App</Title></Info></DisplayInfo></Application></AppMgmtDigest>' });
    const a = (await (await fetch(`${url}/AdminService/wmi/SMS_Application`, { method: 'POST', headers: h, body })).json()) as { CI_ID: number };
    const b = (await (await fetch(`${url}/AdminService/wmi/SMS_Application`, { method: 'POST', headers: h, body })).json()) as { CI_ID: number };
    assert.notEqual(a.CI_ID, b.CI_ID);
    const list = (await (await fetch(`${url}/AdminService/wmi/SMS_Application?$filter=${encodeURIComponent("LocalizedDisplayName eq 'Dup App' and IsLatest eq true")}&$select=CI_ID`, { headers: h })).json()) as { value: { CI_ID: number }[]; '@odata.context': string };
    assert.equal(list.value.length, 2);
    assert.deepEqual(Object.keys(list.value[0]!), ['CI_ID']);
    assert.match(list['@odata.context'], /\$metadata#SMS_Application/);
    const one = (await (await fetch(`${url}/AdminService/wmi/SMS_Application(${a.CI_ID})`, { headers: h })).json()) as { value: unknown[] };
    assert.equal(one.value.length, 1);
    const bad = await fetch(`${url}/AdminService/wmi/SMS_Application`, { method: 'POST', headers: h, body: '{}' });
    assert.equal(bad.status, 400);
    assert.ok(((await bad.json()) as { error: { code: string; message: string } }).error.message);
  });
});

describe('Jamf simulator pinned to the contract', () => {
  const sim = new JamfSimulator({ size: 50, labSize: 3 });
  let url: string;
  let h: Record<string, string>;
  before(async () => {
    url = await sim.listen(0);
    const t = (await (await fetch(`${url}/api/v1/oauth/token`, { method: 'POST', body: new URLSearchParams({ grant_type: 'client_credentials', client_id: sim.clientId, client_secret: sim.clientSecret }) })).json()) as { access_token: string; expires_in: number; token_type: string };
    assert.equal(t.expires_in, 599);
    assert.equal(t.token_type, 'Bearer');
    h = { authorization: `Bearer ${t.access_token}` };
  });
  after(async () => sim.close());

  it('duplicate package → 400 DUPLICATE_FIELD; duplicate policy name (any case) → 409 with an HTML body', async () => {
    const pkg = { packageName: 'dup-pkg', fileName: 'dup.pkg' };
    assert.equal((await fetch(`${url}/api/v1/packages`, { method: 'POST', headers: { ...h, 'content-type': 'application/json' }, body: JSON.stringify(pkg) })).status, 201);
    const dup = await fetch(`${url}/api/v1/packages`, { method: 'POST', headers: { ...h, 'content-type': 'application/json' }, body: JSON.stringify(pkg) });
    assert.equal(dup.status, 400);
    const err = (await dup.json()) as { errors: { code: string; field: string }[] };
    assert.deepEqual([err.errors[0]!.code, err.errors[0]!.field], ['DUPLICATE_FIELD', 'packageName']);
    const xml = (name: string) => `<policy><general><name>${name}</name><enabled>true</enabled></general></policy>`;
    const first = await fetch(`${url}/JSSResource/policies/id/0`, { method: 'POST', headers: { ...h, 'content-type': 'application/xml' }, body: xml('Dup Policy') });
    assert.equal(first.status, 201);
    assert.match(await first.text(), /<policy><id>\d+<\/id><\/policy>/);
    const second = await fetch(`${url}/JSSResource/policies/id/0`, { method: 'POST', headers: { ...h, 'content-type': 'application/xml' }, body: xml('DUP POLICY') });
    assert.equal(second.status, 409);
    assert.match(second.headers.get('content-type') ?? '', /text\/html/);
    assert.match(await second.text(), /<p>Error: Duplicate name<\/p>/);
    const list = (await (await fetch(`${url}/JSSResource/policies`, { headers: { ...h, accept: 'application/json' } })).json()) as { policies: { id: number; name: string }[] };
    assert.equal(list.policies.filter((p) => p.name.toLowerCase() === 'dup policy').length, 1);
  });
});

describe('Landscape simulator pinned to the contract', () => {
  const sim = new LandscapeSimulator({ size: 50, labSize: 3 });
  let url: string;
  before(async () => {
    url = await sim.listen(0);
  });
  after(async () => sim.close());
  const call = (params: Record<string, string>, secret = sim.secretKey) => {
    const all: Record<string, string> = { ...params, access_key_id: sim.accessKey, signature_method: 'HmacSHA256', signature_version: '2', timestamp: '2026-11-21T10:00:00Z', version: '2011-08-01' };
    all.signature = signLandscape(secret, 'GET', new URL(url).host, '/api/', all);
    return fetch(`${url}/api/?${new URLSearchParams(all)}`);
  };

  it('verifies signature v2: the connector and simulator implementations agree, and a bad signature is rejected', async () => {
    const params = { action: 'GetScripts', b: 'x y', a: "it's(1)*" };
    assert.equal(signLandscape('k', 'GET', 'Host:1', '/api/', params), landscapeSignature('k', 'GET', 'host:1', '/api/', params));
    assert.equal((await call({ action: 'GetScripts' })).status, 200);
    const bad = await call({ action: 'GetScripts' }, 'wrong-secret');
    assert.equal(bad.status, 401);
    assert.equal(((await bad.json()) as { error: string }).error, 'InvalidSignature');
  });

  it('DuplicateScript is a named 400 error; ExecuteScript always makes a new activity group', async () => {
    const code = Buffer.from('echo hi').toString('base64');
    assert.equal((await call({ action: 'CreateScript', title: 'dup', code })).status, 200);
    const dup = await call({ action: 'CreateScript', title: 'dup', code });
    assert.equal(dup.status, 400);
    assert.deepEqual(Object.keys((await dup.json()) as object).sort(), ['error', 'message']);
    const scripts = (await (await call({ action: 'GetScripts' })).json()) as { id: number; title: string }[];
    const id = String(scripts.find((s) => s.title === 'dup')!.id);
    const a = (await (await call({ action: 'ExecuteScript', query: 'tag:lab', script_id: id, username: 'root' })).json()) as { id: number; type: string };
    const b = (await (await call({ action: 'ExecuteScript', query: 'tag:lab', script_id: id, username: 'root' })).json()) as { id: number };
    assert.equal(a.type, 'ActivityGroup');
    assert.notEqual(a.id, b.id);
    const children = (await (await call({ action: 'GetActivities', query: `parent-id:${a.id}` })).json()) as { parent_id: number; activity_status: string }[];
    assert.equal(children.length, 3);
    assert.ok(children.every((c) => c.parent_id === a.id));
  });
});
