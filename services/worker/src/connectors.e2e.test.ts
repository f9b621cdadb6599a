import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { IntuneSimulator } from '@eucora/agent-sim';
import { createTestTenant, sampleIntent } from '@eucora/api/dist/test-support/test-stack';
import { startHarness, types, type Harness } from './test-support/lifecycle-harness';

/** Per-tenant connector configuration: credentials encrypted at rest, never returned, used by the worker. */
describe('connector configuration per tenant', () => {
  let h: Harness;
  const own = new IntuneSimulator({ size: 300, labSize: 5 }, { clientId: 'tenant-app', clientSecret: 'Tenant-Own-Secret-42' });
  let ownUrl: string;
  // Fake planes for finding 3: one answers every Graph call with a body carrying a marker, one redirects its token endpoint.
  const MARKER = 'MINIO-BODY-MARKER-51c0';
  const stolen: string[] = [];
  const fakes: http.Server[] = [];
  const fake = async (handler: http.RequestListener): Promise<string> => {
    const server = http.createServer(handler);
    fakes.push(server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  };
  let leakyUrl: string;
  let redirectUrl: string;
  let stealUrl: string;

  before(async () => {
    own.engine.config.installDurationMs = 20;
    ownUrl = await own.listen(0);
    stealUrl = await fake((req, res) => {
      let b = '';
      req.on('data', (c) => (b += c));
      req.on('end', () => {
        stolen.push(`${req.method} ${req.url} ${b}`);
        res.end('{}');
      });
    });
    leakyUrl = await fake((req, res) => {
      req.resume();
      if (req.url?.includes('/oauth2/'))
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ access_token: 'tok', expires_in: 3600 }));
      else
        res
          .writeHead(400, { 'content-type': 'application/xml' })
          .end(`<Error><Code>AccessDenied</Code><Message>${MARKER}</Message></Error>`);
    });
    redirectUrl = await fake((req, res) => {
      req.resume();
      res.writeHead(307, { location: `${stealUrl}${req.url}` }).end();
    });
    h = await startHarness({ installDurationMs: 20, allowUrls: [ownUrl, leakyUrl, redirectUrl, stealUrl] });
    await h.startWorker();
  });
  after(async () => {
    await h.close();
    await own.close();
    for (const f of fakes) f.close();
  });

  const put = (token: string, plane: string, body: unknown) =>
    request(h.api.app)
      .put(`/api/v1/connectors/${plane}`)
      .set('Authorization', `Bearer ${token}`)
      .send(body as object);
  const config = (secret: string) => ({
    baseUrl: ownUrl,
    settings: { tenantId: 'contoso', clientId: 'tenant-app' },
    credentials: { clientSecret: secret },
  });

  it('stores credentials encrypted and never returns them', async () => {
    const res = await put(h.tenant.adminToken, 'intune', config('Tenant-Own-Secret-42'));
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.credentialsSet, true);
    assert.ok(!JSON.stringify(res.body).includes('Tenant-Own-Secret-42'));
    const list = await request(h.api.app).get('/api/v1/connectors').set('Authorization', `Bearer ${h.tenant.adminToken}`);
    assert.ok(!JSON.stringify(list.body).includes('Tenant-Own-Secret-42'));
    const rows = await h.api.ds.query(`SELECT * FROM connector_configs WHERE tenant_id = $1`, [h.tenant.tenantId]);
    assert.ok(!JSON.stringify(rows).includes('Tenant-Own-Secret-42'), 'ciphertext only in the database');
    assert.match(rows[0].credentials_sealed, /^v1\./);
    assert.ok(!h.api.logs.lines.some((l) => l.includes('Tenant-Own-Secret-42')), 'never logged');
  });

  it('only admins configure; other tenants cannot see it; unknown planes and bodies of the wrong shape are 400', async () => {
    assert.equal((await put(h.rel, 'intune', config('x'))).status, 403);
    const other = await createTestTenant(h.api.ds);
    assert.equal(
      (await request(h.api.app).get('/api/v1/connectors/intune').set('Authorization', `Bearer ${other.adminToken}`)).status,
      404,
    );
    const jamf = await put(h.tenant.adminToken, 'jamf', config('x'));
    assert.equal(jamf.status, 400, 'Intune settings are not Jamf settings');
    assert.equal(jamf.body.errors[0].path, 'settings');
    assert.equal((await put(h.tenant.adminToken, 'bigfix', config('x'))).status, 400);
    const bad = await put(h.tenant.adminToken, 'intune', { baseUrl: 'not a url', settings: {}, credentials: {} });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.errors[0].path, 'baseUrl');
  });

  it("the worker deploys this tenant's intents through the tenant's own plane", async () => {
    const { id } = await h.submit({ title: 'Own plane', artifact: { ...(sampleIntent().artifact as object), name: 'OwnPlanePkg' } });
    const done = await h.waitForState(id, ['completed', 'failed']);
    assert.equal(done.body.state, 'completed', JSON.stringify(types(done)));
    assert.equal(Object.keys(own.getStats().appsByDisplayName).filter((n) => n.includes(id)).length, 1, "created on the tenant's plane");
    assert.equal(Object.keys(h.sim.getStats().appsByDisplayName).filter((n) => n.includes(id)).length, 0, 'not on the default plane');
  });

  it('wrong credentials are a permanent error: the intent fails fast instead of retrying', async () => {
    await put(h.tenant.adminToken, 'intune', config('wrong-secret'));
    // The worker re-reads configuration after its cache interval; a fresh worker picks it up at once.
    await h.stopWorker();
    await h.startWorker();
    const t0 = Date.now();
    const { id } = await h.submit({ title: 'Bad credentials', artifact: { ...(sampleIntent().artifact as object), name: 'BadCredsPkg' } });
    const done = await h.waitForState(id, ['failed', 'completed'], 60_000);
    assert.equal(done.body.state, 'failed');
    assert.ok(Date.now() - t0 < 30_000, `failed within ${Date.now() - t0} ms`);
    assert.match(done.body.timeline.at(-1).reason, /invalid_client|401/);
  });

  it('an upstream error body never reaches events, the timeline or API responses; a 307 is not followed with the secret', async () => {
    const configure = async (baseUrl: string, secret: string) => {
      const body = { baseUrl, settings: { tenantId: 'contoso', clientId: 'tenant-app' }, credentials: { clientSecret: secret } };
      const res = await put(h.tenant.adminToken, 'intune', body);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      await h.stopWorker();
      await h.startWorker();
    };
    await configure(leakyUrl, 'Leaky-Plane-Secret-1');
    const leaky = await h.submit({ title: 'Leaky plane', artifact: { ...(sampleIntent().artifact as object), name: 'LeakyPkg' } });
    const failed = await h.waitForState(leaky.id, ['failed', 'completed', 'rolled_back'], 60_000);
    assert.equal(failed.body.state, 'failed');
    assert.match(JSON.stringify(failed.body.timeline), /intune answered 400/, 'status is reported');
    assert.ok(!JSON.stringify(failed.body).includes(MARKER), 'not in the API response / timeline');
    const rows = await h.api.ds.query(`SELECT reason, data::text AS data FROM events WHERE tenant_id = $1`, [h.tenant.tenantId]);
    assert.ok(!JSON.stringify(rows).includes(MARKER), 'not in any stored event');
    const list = await request(h.api.app).get('/api/v1/deployment-intents').set('Authorization', `Bearer ${h.rel}`);
    assert.ok(!JSON.stringify(list.body).includes(MARKER));

    await configure(redirectUrl, 'Redirected-Secret-2');
    const artifact = { ...(sampleIntent().artifact as object), name: 'RedirectPkg' };
    const redirected = await h.submit({ title: 'Redirecting plane', artifact });
    const done = await h.waitForState(redirected.id, ['failed', 'completed', 'rolled_back'], 60_000);
    assert.equal(done.body.state, 'failed');
    assert.match(JSON.stringify(done.body.timeline), /307 \(redirect not followed\)/);
    assert.deepEqual(stolen, [], 'the redirect target received nothing, least of all the client secret');
  });
});
