import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isPermanentDomainError } from '@eucora/core';
import { LandscapeConnector, landscapeTitles } from './landscape.connector';
import { ResilientCaller } from '../shared/resilience';
import { bufferContent, VendorExchangeServer, type CapturedRequest, type VendorExchange } from '../shared/vendor-exchange.harness';
import type { DeployRingRequest } from '../connector';

const req: DeployRingRequest = {
  tenantId: 't',
  intentId: 'i-1',
  correlationId: 'c',
  ring: { index: 1, name: 'ring1-canary', deviceGroup: 'ring1-canary' },
  artifact: {
    name: 'pkg',
    version: '2.0',
    publisher: 'P',
    sha256: 'c'.repeat(64),
    installCommand: 'dpkg -i pkg.deb',
    uninstallCommand: 'dpkg -r pkg',
    platform: 'linux',
    format: 'deb',
    sizeBytes: 5,
    detectionRule: { type: 'file', value: '/usr/bin/pkg' },
  },
  content: bufferContent(Buffer.from('bytes'), 'pkg.deb'),
};
const titles = landscapeTitles(req);
const form = (c: CapturedRequest) => new URLSearchParams(c.body.toString());
const signed = {
  access_key_id: 'AK',
  signature_method: 'HmacSHA256',
  signature_version: '2',
  version: '2011-08-01',
  timestamp: /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/,
  signature: /^[A-Za-z0-9+/]+=*$/,
};
const action = (name: string) => (c: CapturedRequest) => form(c).get('action') === name;

/** Recorded Landscape legacy API exchanges (vendor-contracts.md §4, A4; landscape-documentation legacy API, activities). */
function table(opts: { scripts?: { id: number; title: string }[] } = {}): VendorExchange[] {
  const scripts = [...(opts.scripts ?? [])];
  const groups: { id: number; parent_id: null; summary: string; type: string; creation_time: string }[] = [];
  const base = { method: 'POST', path: '/api/', headers: { 'content-type': /^application\/x-www-form-urlencoded/ } } as const;
  return [
    {
      ...base,
      source: 'contracts §4 Idempotency: script titles are unique (look up with GetScripts)',
      when: action('GetScripts'),
      form: { ...signed, action: 'GetScripts' },
      response: { status: 200, body: scripts },
    },
    {
      ...base,
      source: 'contracts §4 Deploy: CreateScript (title, time_limit, code base64, username, access_group)',
      when: action('CreateScript'),
      form: {
        ...signed,
        title: /^eucora i-1 r1 pkg 2\.0 (install|uninstall)$/,
        time_limit: /^\d+$/,
        code: /^[A-Za-z0-9+/]+=*$/,
        username: 'root',
        access_group: 'global',
      },
      response: (c) => {
        const s = { id: 11 + scripts.length, title: form(c).get('title')! };
        scripts.push(s);
        return { status: 200, body: { ...s, time_limit: 1800, username: 'root', access_group: 'global' } };
      },
    },
    {
      ...base,
      source: 'contracts A4 Resume: match summary + parent_id:null among created-after:<ts>',
      when: (c) => action('GetActivities')(c) && /type:ActivityGroup/.test(form(c).get('query') ?? ''),
      form: { ...signed, query: /^type:ActivityGroup created-after:\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/ },
      response: () => ({ status: 200, body: groups }),
    },
    {
      ...base,
      source: 'contracts A4 Execute: ExecuteScript query=tag:<tag>&script_id&username → {id,parent_id:null,summary:"Run script: <title>"}',
      when: action('ExecuteScript'),
      form: { ...signed, query: /^tag:/, script_id: /^\d+$/, username: 'root' },
      response: (c) => {
        const title = scripts.find((s) => String(s.id) === form(c).get('script_id'))!.title;
        const g = {
          id: 900 + groups.length,
          parent_id: null,
          summary: `Run script: ${title}`,
          type: 'ActivityGroup',
          creation_time: new Date().toISOString(),
        };
        groups.push(g);
        return { status: 200, body: g };
      },
    },
    {
      ...base,
      source: 'contracts §4 Status: GetActivities query parent-id:N',
      when: (c) => action('GetActivities')(c) && /^parent-id:\d+$/.test(form(c).get('query') ?? ''),
      form: { ...signed, query: 'parent-id:900' },
      response: {
        status: 200,
        body: [
          { id: 1, parent_id: 900, activity_status: 'succeeded' },
          { id: 2, parent_id: 900, activity_status: 'undelivered' },
          { id: 3, parent_id: 900, activity_status: 'failed' },
        ],
      },
    },
    {
      ...base,
      source: 'contracts A4 Cancel: CancelActivities query=parent-id:<gid> status:undelivered (then scheduled, unapproved)',
      when: action('CancelActivities'),
      form: { ...signed, query: /^parent-id:900 status:(undelivered|scheduled|unapproved)$/ },
      response: { status: 200, body: [] },
    },
  ];
}

describe('Landscape connector against recorded legacy-API exchanges', () => {
  let server: VendorExchangeServer;
  after(async () => server?.close());
  const connector = (url: string) =>
    new LandscapeConnector({ baseUrl: url, accessKey: 'AK', secretKey: 'SK', caller: new ResilientCaller('landscape', { retries: 0 }) });

  // contracts A4 Execute/Resume: one activity group for three deploys; status by parent-id; cancel only undelivered work
  it('deploy ×3, status and rollback: every request matches its recorded example field by field', async () => {
    server = new VendorExchangeServer(table());
    const url = await server.listen();
    const d = await connector(url).deployRing(req);
    await connector(url).deployRing(req);
    await connector(url).deployRing(req);
    const executes = server.captured.filter((c) => action('ExecuteScript')(c) && form(c).get('script_id') === '11');
    assert.equal(executes.length, 1, 'three deploys, one ExecuteScript');
    const install = Buffer.from(form(server.captured.find(action('CreateScript'))!).get('code')!, 'base64').toString();
    assert.match(
      install,
      /curl -fsSL -o '\/var\/tmp\/eucora-[0-9a-f]{64}\/pkg\.deb' 'https:\/\/artifacts\.example\.test\/presigned\?ttl=604800'/,
    );
    assert.match(install, /sha256sum -c -\ncd '[^']+'\ndpkg -i pkg\.deb\n$/);
    assert.equal(d.objectIds.activityGroupId, '900');
    const counts = await connector(url).ringStatus({ ...req, deployment: d });
    assert.deepEqual([counts.targeted, counts.succeeded, counts.failed, counts.pending], [3, 1, 1, 1]);
    await connector(url).rollbackRing({ ...req, deployment: d });
    const cancels = server.captured.filter(action('CancelActivities')).map((c) => form(c).get('query'));
    assert.deepEqual(cancels, ['parent-id:900 status:undelivered', 'parent-id:900 status:scheduled', 'parent-id:900 status:unapproved']);
    assert.deepEqual(server.problems, []);
    assert.deepEqual(server.unused(), []);
    await server.close();
  });

  // issue 8 "Also broken": a rollback whose uninstall script is gone fails instead of running `exit 0`
  it('rollback without the uninstall script fails and creates nothing', async () => {
    server = new VendorExchangeServer(table({ scripts: [{ id: 11, title: titles.install }] }));
    const url = await server.listen();
    const d = {
      plane: 'landscape' as const,
      adopted: false,
      objectIds: { activityGroupId: '900', query: 'tag:ring1-canary', uninstallTitle: titles.uninstall },
    };
    await assert.rejects(
      connector(url).rollbackRing({ ...req, deployment: d }),
      (err) => isPermanentDomainError(err) && /no longer exists/.test((err as Error).message),
    );
    assert.ok(!server.captured.some((c) => action('CreateScript')(c) || action('ExecuteScript')(c)));
    assert.deepEqual(server.problems, []);
  });
});
