import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { LandscapeSimulator, landscapeSignature } from '@eucora/agent-sim';
import { LandscapeConnector, landscapeTitles, signLandscape, ResilientCaller } from '../index';
import { isPermanentDomainError } from '@eucora/core';
import { request, wait } from '../testing/plane-contract-fixtures';

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
