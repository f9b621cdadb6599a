import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isInputError } from '@eucora/core';
import { assertOutboundUrlAllowed, isNonPublicAddress, outboundPolicyFrom } from './outbound-url';

const refused = async (url: string, policy = outboundPolicyFrom(), field = 'baseUrl'): Promise<string> => {
  try {
    await assertOutboundUrlAllowed(url, policy, field);
  } catch (err) {
    assert.ok(isInputError(err), `${url}: ${String(err)}`);
    assert.equal(err.issues[0]?.path, field);
    return err.issues[0]!.message;
  }
  assert.fail(`${url} was allowed`);
};

describe('outbound-URL guard', () => {
  const publicDns = { ...outboundPolicyFrom(), resolve: async () => [{ address: '93.184.215.14', family: 4 }] };

  it('refuses metadata, loopback, private, CGNAT, link-local, ULA and IPv4-mapped addresses, however spelled', async () => {
    for (const url of [
      'https://169.254.169.254/latest/meta-data/',
      'https://[fd00:ec2::254]/',
      'http://127.0.0.1:5432/',
      'https://127.0.0.1:9000/',
      'https://2130706433/',
      'https://0x7f.0.0.1/',
      'https://[::ffff:127.0.0.1]/',
      'https://[::1]/',
      'https://10.0.0.8/',
      'https://172.20.1.1/',
      'https://192.168.1.1/',
      'https://100.64.1.1/',
      'https://[fe80::1]/',
      'https://[fc00::1]/',
      'https://0.0.0.0/',
      'https://[::]/',
    ]) {
      assert.match(await refused(url), /private|loopback|metadata/, url);
    }
  });

  it('refuses a hostname that resolves to loopback (localhost) and one with any non-public answer (rebinding)', async () => {
    assert.match(await refused('https://localhost:5432/'), /private|loopback/);
    const answers = [
      { address: '93.184.215.14', family: 4 },
      { address: '10.0.0.1', family: 4 },
    ];
    const mixed = { ...outboundPolicyFrom(), resolve: async () => answers };
    assert.match(await refused('https://plane.example.com/', mixed), /private/);
  });

  it('refuses non-https schemes, userinfo and garbage, naming the field', async () => {
    const schemes = [
      'file:///etc/passwd',
      'gopher://example.com:70/_x',
      'ftp://example.com/',
      'data:text/plain,hi',
      'javascript:alert(1)',
      'ws://x.com/',
    ];
    for (const url of schemes) {
      assert.match(await refused(url, publicDns, 'authUrl'), /scheme/, url);
    }
    assert.match(await refused('http://plane.example.com/', publicDns), /https/);
    assert.match(await refused('https://admin:pw@plane.example.com/', publicDns), /credentials/);
    assert.match(await refused('not a url', publicDns), /absolute/);
    assert.match(await refused('https://nx.invalid/', outboundPolicyFrom()), /resolve/);
  });

  it('allows public https hosts and returns the checked address to pin', async () => {
    const r = await assertOutboundUrlAllowed('https://plane.example.com/api', publicDns, 'baseUrl');
    assert.equal(r.address, '93.184.215.14');
    assert.equal(r.url.hostname, 'plane.example.com');
  });

  it('operator allow lists open exactly the listed host and ports', async () => {
    const sims = outboundPolicyFrom('127.0.0.1:9401-9405', '127.0.0.1:9401-9405');
    assert.equal((await assertOutboundUrlAllowed('http://127.0.0.1:9403/', sims, 'baseUrl')).address, '127.0.0.1');
    assert.match(await refused('http://127.0.0.1:5544/', sims), /private|loopback/);
    assert.match(await refused('http://127.0.0.1:9000/', sims), /private|loopback/);
    const corp = outboundPolicyFrom('', '10.20.0.0/16,plane.corp.internal');
    assert.equal((await assertOutboundUrlAllowed('https://10.20.3.4/', corp, 'baseUrl')).address, '10.20.3.4');
    assert.match(await refused('http://10.20.3.4/', corp), /https/);
    assert.match(await refused('https://10.21.3.4/', corp), /private/);
    const byName = { ...corp, resolve: async () => [{ address: '10.99.0.1', family: 4 }] };
    assert.equal((await assertOutboundUrlAllowed('https://plane.corp.internal/', byName, 'baseUrl')).address, '10.99.0.1');
  });

  it('classifies addresses', () => {
    for (const a of ['8.8.8.8', '1.1.1.1', '2606:4700::1111']) assert.equal(isNonPublicAddress(a), false, a);
    for (const a of ['127.0.0.1', '169.254.169.254', '::ffff:8.8.8.8', 'fd00:ec2::254', '224.0.0.1', 'not-an-ip']) {
      assert.equal(isNonPublicAddress(a), true, a);
    }
  });
});
