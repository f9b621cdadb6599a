import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AwxSimulator } from '@eucora/agent-sim';
import { AwxConnector, ResilientCaller } from '../index';
import { isPermanentDomainError } from '@eucora/core';
import { request, wait } from '../testing/plane-contract-fixtures';

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
