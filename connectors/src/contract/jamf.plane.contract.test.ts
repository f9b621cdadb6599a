import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { JamfSimulator } from '@eucora/agent-sim';
import { JamfConnector, jamfNames, ResilientCaller } from '../index';
import { isConflictError } from '@eucora/core';
import { request, wait } from '../testing/plane-contract-fixtures';

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
    `<policy><general><name>${name}</name><enabled>true</enabled><trigger_checkin>${checkin}</trigger_checkin></general>` +
    `<scope><computer_groups><computer_group><id>${group}</id></computer_group></computer_groups></scope>${inner}</policy>`;
  const pkgXml = (id: number, action = 'Install') =>
    '<package_configuration><packages><size>1</size>' +
    `<package><id>${id}</id><action>${action}</action></package></packages></package_configuration>`;

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
      `<computer_group><name>${name}</name><is_smart>true</is_smart><criteria><criterion><name>${field}</name><priority>0</priority>` +
      '<and_or>and</and_or><search_type>is</search_type><value>lab</value></criterion></criteria></computer_group>';
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
    const scriptXml =
      `<scripts><size>1</size><script><id>${scripts.results[0]!.id}</id><priority>After</priority>` +
      '<parameter4>rm-pkg</parameter4></script></scripts>';
    assert.equal((await xmlPost('/JSSResource/policies/id/0', policy('rm by script', group, scriptXml))).status, 201);
    await wait(100);
    assert.deepEqual(
      sim.engine.states(`jamf:${installId}`).map((s) => s.state),
      ['removed', 'removed', 'removed'],
    );
  });
});
