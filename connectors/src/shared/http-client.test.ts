import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { isInputError, isNotAllowedError } from '@eucora/core';
import { IntuneClient } from '../intune/intune.client';
import { BearerToken, PlaneHttp } from './http-client';
import { ResilientCaller } from './resilience';
import { vendorErrorCode } from './http-errors';

const MARKER = 'UPSTREAM-BODY-MARKER-7f3a';

async function listen(handler: http.RequestListener): Promise<{ url: string; server: http.Server }> {
  const server = http.createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

describe('PlaneHttp: no redirects, no upstream bodies, pinned addresses', () => {
  const seenByTarget: { url: string; body: string; auth?: string }[] = [];
  let target: Awaited<ReturnType<typeof listen>>;
  let plane: Awaited<ReturnType<typeof listen>>;
  const caller = () => new ResilientCaller('intune', { retries: 0, timeoutMs: 5000 });

  before(async () => {
    target = await listen((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        seenByTarget.push({ url: req.url ?? '', body, auth: req.headers.authorization });
        res.end('{}');
      });
    });
    plane = await listen((req, res) => {
      req.resume();
      if (req.url?.includes('/oauth2/')) {
        res.writeHead(307, { location: `${target.url}/steal${req.url}` }).end();
      } else if (req.url === '/graph-error') {
        const body = { error: { code: 'BadRequest', message: `${MARKER} internal detail` } };
        res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      } else if (req.url === '/minio-like') {
        const xml = `<Error><Code>AccessDenied</Code><Message>${MARKER}</Message></Error>`;
        res.writeHead(403, { 'content-type': 'application/xml' }).end(xml);
      } else {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: true, host: req.headers.host }));
      }
    });
  });
  after(() => {
    target.server.close();
    plane.server.close();
  });

  it('a 307 on the token endpoint is not followed: the secret never reaches the redirect target', async () => {
    const secret = 'Very-Secret-Value-9';
    const opts = { graphUrl: plane.url, authorityUrl: plane.url, tenantId: 't', clientId: 'c', clientSecret: secret };
    const client = new IntuneClient({ ...opts, caller: caller() });
    await assert.rejects(client.request('GET', '/v1.0/deviceAppManagement/mobileApps'), (err: Error) => {
      assert.ok(isInputError(err), 'permanent');
      assert.match(err.message, /307 \(redirect not followed\)/);
      assert.ok(!err.message.includes(target.url));
      return true;
    });
    assert.equal(seenByTarget.length, 0, 'nothing sent to the redirect target');
  });

  it('error messages carry status and vendor code only, never the body', async () => {
    const http1 = new PlaneHttp({ plane: 'intune', baseUrl: plane.url, caller: caller() });
    await assert.rejects(http1.send('GET', '/graph-error'), (err: Error) => {
      assert.equal(err.message, 'intune answered 400 (BadRequest)');
      return true;
    });
    await assert.rejects(http1.send('GET', '/minio-like'), (err: Error) => {
      assert.equal(err.message, 'intune answered 403');
      assert.ok(!err.message.includes(MARKER));
      return true;
    });
  });

  it('vendor codes are parsed from known shapes, stripped of control characters and refused when not code-like', () => {
    assert.equal(vendorErrorCode('{"error":"invalid_client","error_description":"AADSTS7000215 secret"}'), 'invalid_client');
    assert.equal(vendorErrorCode('{"httpStatus":400,"errors":[{"code":"INVALID_FIELD","description":"x"}]}'), 'INVALID_FIELD');
    assert.equal(vendorErrorCode('{"error":"Duplicate\\u0000Script"}'), 'DuplicateScript');
    assert.equal(vendorErrorCode(`{"error":{"code":"has spaces ${MARKER}"}}`), undefined);
    assert.equal(vendorErrorCode('{"detail":"Authentication credentials were not provided."}'), undefined);
    assert.equal(vendorErrorCode('<p>Error: Duplicate name</p>'), undefined);
    assert.equal(vendorErrorCode(`{"code":"${'A'.repeat(500)}"}`)?.length, 64);
  });

  it('connects to the address the check returned, not to what DNS says now', async () => {
    const port = new URL(plane.url).port;
    const checked: string[] = [];
    const pinned = new PlaneHttp({
      plane: 'intune',
      baseUrl: `http://plane.rebind.invalid:${port}`,
      caller: caller(),
      check: async (url) => {
        checked.push(url.hostname);
        return { address: '127.0.0.1' };
      },
    });
    const res = await pinned.send('GET', '/anything');
    assert.equal(res.status, 200);
    assert.equal(JSON.parse(res.text).host, `plane.rebind.invalid:${port}`, 'Host header keeps the name');
    assert.deepEqual(checked, ['plane.rebind.invalid']);
    const check = async () => Promise.reject(new Error('refused by policy'));
    const refusing = new PlaneHttp({ plane: 'intune', baseUrl: plane.url, caller: caller(), check });
    await assert.rejects(refusing.send('GET', '/anything'), /refused by policy/);
  });
});

describe('PlaneHttp: a token provider is refreshed once on 401', () => {
  let plane: Awaited<ReturnType<typeof listen>>;
  const seen: string[] = [];
  /** Tokens the plane accepts; everything else answers 401. */
  const valid = new Set<string>();

  before(async () => {
    plane = await listen((req, res) => {
      req.resume();
      seen.push(req.headers.authorization ?? '');
      const ok = valid.has(req.headers.authorization ?? '');
      res.writeHead(ok ? 200 : 401, { 'content-type': 'application/json' }).end(ok ? '{"ok":true}' : '{"error":"invalid_token"}');
    });
  });
  after(() => plane.server.close());

  const client = (tokens: string[]) => {
    let fetched = 0;
    const auth = new BearerToken(async () => ({ value: tokens[fetched++] ?? 'none' }));
    const http1 = new PlaneHttp({ plane: 'jamf', baseUrl: plane.url, caller: new ResilientCaller('jamf', { retries: 0 }), auth });
    return { http1, fetched: () => fetched };
  };

  it('a 401 drops the cached token: one fresh token, one retry, then the token is reused', async () => {
    seen.length = 0;
    valid.clear();
    valid.add('Bearer fresh');
    const { http1, fetched } = client(['stale', 'fresh']);
    assert.equal((await http1.send('GET', '/x')).status, 200);
    assert.deepEqual(seen, ['Bearer stale', 'Bearer fresh']);
    assert.equal(fetched(), 2);
    await http1.send('GET', '/y');
    assert.equal(fetched(), 2, 'the fresh token is cached');
  });

  it('a second 401 is permanent: no loop, no third request', async () => {
    seen.length = 0;
    valid.clear();
    const { http1, fetched } = client(['one', 'two', 'three']);
    await assert.rejects(http1.send('GET', '/x'), (err: Error) => {
      assert.ok(isNotAllowedError(err));
      assert.equal(err.message, 'jamf answered 401 (invalid_token)');
      return true;
    });
    assert.deepEqual(seen, ['Bearer one', 'Bearer two']);
    assert.equal(fetched(), 2);
  });

  it('a caller that accepts 401 itself gets it without a refresh', async () => {
    seen.length = 0;
    valid.clear();
    const { http1, fetched } = client(['one', 'two']);
    assert.equal((await http1.send('GET', '/x', { accept: [401] })).status, 401);
    assert.equal(seen.length, 1);
    assert.equal(fetched(), 1);
  });
});
