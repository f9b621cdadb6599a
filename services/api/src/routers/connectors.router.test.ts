import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import request from 'supertest';
import { createTestTenant, startTestApi, type TestTenant } from '../test-support/test-stack';

/** Finding 3 (SSRF) at the door: connector URLs are checked by the outbound-URL policy before anything is stored. */
describe('connector configuration refuses SSRF targets (real PostgreSQL)', () => {
  let api: Awaited<ReturnType<typeof startTestApi>>;
  let tenant: TestTenant;
  const pg = new URL(process.env.DATABASE_URL ?? 'postgres://x@127.0.0.1:5432/x');
  const minio = new URL(process.env.S3_ENDPOINT ?? 'http://127.0.0.1:9000');

  before(async () => {
    // A loopback simulator port is allow-listed (as npm start does), so "loopback refused" is not just "http refused".
    api = await startTestApi({ EUCORA_OUTBOUND_ALLOW_HTTP_HOSTS: '127.0.0.1:9401', EUCORA_OUTBOUND_ALLOW_HOSTS: '127.0.0.1:9401' });
    tenant = await createTestTenant(api.ds);
  });
  after(async () => api.close());

  const admin = () => ({ Authorization: `Bearer ${tenant.adminToken}` });
  const put = (body: object) => request(api.app).put('/api/v1/connectors/intune').set(admin()).send(body);
  const body = (baseUrl: string, authUrl?: string) => ({
    baseUrl,
    ...(authUrl ? { authUrl } : {}),
    settings: { tenantId: 'contoso', clientId: 'app' },
    credentials: { clientSecret: 'S3cret-Value-77' },
  });

  it('refuses metadata, file:, gopher:, loopback PG/MinIO, localhost, mapped IPv6 and decimal IPs: 400 naming the field', async () => {
    const cases: [string, object][] = [
      ['baseUrl', body('http://169.254.169.254/latest/meta-data/')],
      ['baseUrl', body('https://169.254.169.254/')],
      ['baseUrl', body('file:///etc/passwd')],
      ['baseUrl', body('gopher://127.0.0.1:6379/_FLUSHALL')],
      ['baseUrl', body(`http://127.0.0.1:${pg.port}/`)],
      ['baseUrl', body(`https://127.0.0.1:${pg.port}/`)],
      ['baseUrl', body(`http://${minio.host}/`)],
      ['baseUrl', body(`https://localhost:${minio.port}/`)],
      ['baseUrl', body('https://[::ffff:127.0.0.1]:9401/')],
      ['baseUrl', body(`https://2130706433:${pg.port}/`)],
      ['baseUrl', body(`http://2130706433:${minio.port}/`)],
      ['baseUrl', body('https://[fd00:ec2::254]/')],
      ['baseUrl', body('https://user:pw@example.com/')],
      ['authUrl', body('http://127.0.0.1:9401/', 'http://169.254.169.254/')],
      ['authUrl', body('http://127.0.0.1:9401/', `http://localhost:${pg.port}/`)],
    ];
    for (const [field, b] of cases) {
      const res = await put(b);
      assert.equal(res.status, 400, `${JSON.stringify(b)} → ${res.status}`);
      assert.match(res.headers['content-type'] ?? '', /application\/problem\+json/);
      assert.equal(res.body.errors?.[0]?.path, field, JSON.stringify(res.body));
      assert.ok(!JSON.stringify(res.body).includes('S3cret-Value-77'));
    }
    const rows = await api.ds.query(`SELECT 1 FROM connector_configs WHERE tenant_id = $1`, [tenant.tenantId]);
    assert.equal(rows.length, 0, 'nothing stored');
  });

  it('the operator-allowed simulator port is accepted; DELETE writes an audit event', async () => {
    const ok = await put(body('http://127.0.0.1:9401'));
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    const del = await request(api.app).delete('/api/v1/connectors/intune').set(admin()).set('X-Correlation-Id', 'del-connector-1');
    assert.equal(del.status, 204);
    const events = await api.ds.query(
      `SELECT event_type, actor, correlation_id FROM events WHERE tenant_id = $1 AND aggregate_type = 'connector' ORDER BY seq`,
      [tenant.tenantId],
    );
    assert.deepEqual(
      events.map((e: { event_type: string }) => e.event_type),
      ['connector.configured', 'connector.removed'],
    );
    assert.equal(events[1].correlation_id, 'del-connector-1');
    assert.equal((await request(api.app).delete('/api/v1/connectors/intune').set(admin())).status, 404);
  });
});
