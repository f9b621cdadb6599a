import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { IntuneSimulator, REPORT_PAGE_CAP } from '../intune/intune-simulator';
import { DeviceEngine } from './device-engine';
import { clientCredentialsToken } from './test-clients';

describe('Intune getDeviceInstallStatusReport refuses what the report API refuses', () => {
  const sim = new IntuneSimulator({ size: 200, labSize: 5 });
  let url = '';
  let auth: Record<string, string> = {};
  before(async () => {
    url = await sim.listen(0);
    auth = {
      authorization: `Bearer ${await clientCredentialsToken(`${url}/t/oauth2/v2.0/token`, sim)}`,
      'content-type': 'application/json',
    };
  });
  after(() => sim.close());
  const report = (body: unknown) =>
    fetch(`${url}/beta/deviceManagement/reports/getDeviceInstallStatusReport`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify(body),
    });

  it('filter must be (ApplicationId eq …); skip/top must be non-negative integers; a page is capped', async () => {
    const ok = await report({ filter: "(ApplicationId eq 'x')", skip: 0, top: 5000 });
    assert.equal(ok.status, 200);
    const body = (await ok.json()) as { TotalRowCount: number; Schema: { Column: string }[]; Values: unknown[] };
    assert.equal(body.TotalRowCount, 0);
    assert.ok(body.Schema.some((c) => c.Column === 'HexErrorCode') && body.Schema.some((c) => c.Column === 'DeviceId'));
    for (const bad of [
      { filter: "ApplicationId eq 'x'" },
      { filter: "(ApplicationId eq 'x')", top: -1 },
      { filter: "(ApplicationId eq 'x')", skip: 'a' },
      {},
    ]) {
      const r = await report(bad);
      assert.equal(r.status, 400, JSON.stringify(bad));
      assert.equal(((await r.json()) as { error: { code: string } }).error.code, 'BadRequest');
    }
    assert.equal(REPORT_PAGE_CAP, 1000);
  });
});

describe('DeviceEngine injected failures', () => {
  it('spread over a group at the configured rate (not all-or-none for consecutive ids)', () => {
    const ids = Array.from({ length: 1000 }, (_, i) => `dev-${String(i).padStart(6, '0')}`);
    const failed = ids.filter((id) => DeviceEngine.fails('app-1:group-1', id, 0.3)).length;
    assert.ok(failed > 250 && failed < 350, String(failed));
    const firstTen = ids.slice(0, 10).filter((id) => DeviceEngine.fails('app-1:group-1', id, 0.5)).length;
    assert.ok(firstTen > 0 && firstTen < 10, String(firstTen));
  });
});
