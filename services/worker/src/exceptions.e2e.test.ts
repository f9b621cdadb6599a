import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import request from 'supertest';
import { type Harness, msiArtifact, types, useHarness } from './test-support/lifecycle-harness';

// A Trivy JSON report (trivy image --format json) with one HIGH finding.
const trivyReport = {
  SchemaVersion: 2,
  ArtifactName: 'contoso-agent-2.1.msi',
  Results: [
    {
      Target: 'contoso-agent',
      Vulnerabilities: [
        {
          VulnerabilityID: 'CVE-2024-3094',
          PkgName: 'xz-utils',
          InstalledVersion: '5.6.0',
          FixedVersion: '5.6.2',
          Severity: 'HIGH',
          CVSS: { nvd: { V3Score: 7.8 } },
        },
        { VulnerabilityID: 'CVE-2023-0001', PkgName: 'zlib', InstalledVersion: '1.2.11', Severity: 'LOW' },
      ],
    },
  ],
};

describe('exceptions: API and their effect on policy in the workflow', () => {
  let h: Harness;
  useHarness({ installDurationMs: 50 }, (started) => (h = started));

  const post = (token: string, path: string, body: unknown) =>
    request(h.api.app)
      .post(path)
      .set('Authorization', `Bearer ${token}`)
      .send(body as object);
  const intentWithFinding = (name: string) => ({
    title: `${name} with a HIGH finding`,
    artifact: {
      ...msiArtifact(name, {
        version: '2.1.0',
        sha256: 'c'.repeat(64),
        sizeBytes: 3_000_000,
        detectionRule: { type: 'file', value: `C:\\Program Files\\${name}\\agent.exe` },
      }),
    },
    vulnerabilityReport: trivyReport,
  });
  const inDays = (d: number) => new Date(Date.now() + d * 86_400_000).toISOString();

  it('an uncovered HIGH finding blocks the intent with the finding named', async () => {
    const { id } = await h.submit(intentWithFinding('AgentA'));
    const done = await h.waitForState(id, ['blocked', 'completed', 'failed']);
    assert.equal(done.body.state, 'blocked');
    const blocked = done.body.timeline.find((e: { type: string }) => e.type === 'intent.blocked');
    assert.match(blocked.reason, /CVE-2024-3094/);
    assert.ok(!types(done).includes('ring.deployed'));
  });

  it('a pending exception does not count; once a security reviewer approves it, the same package deploys', async () => {
    const created = await post(h.rel, '/api/v1/exceptions', {
      packageName: 'AgentB',
      findingIds: ['CVE-2024-3094'],
      compensatingControls: 'EDR rule blocks the backdoor path; package isolated to signed hosts',
      justification: 'Vendor fix ships next quarter',
      expiresAt: inDays(30),
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.equal(created.body.status, 'pending');

    const pending = await h.submit(intentWithFinding('AgentB'));
    assert.equal((await h.waitForState(pending.id, ['blocked', 'completed'])).body.state, 'blocked');

    const self = await post(h.rel, `/api/v1/exceptions/${created.body.id}/approve`, {});
    assert.equal(self.status, 403, 'release engineers cannot approve');
    const approved = await post(h.secReviewer, `/api/v1/exceptions/${created.body.id}/approve`, { comment: 'Controls verified' });
    assert.equal(approved.status, 200);
    assert.equal(approved.body.status, 'approved');
    const twice = await post(h.secReviewer, `/api/v1/exceptions/${created.body.id}/approve`, {});
    assert.equal(twice.status, 409);

    const covered = await h.submit(intentWithFinding('AgentB'));
    const done = await h.waitForState(covered.id, ['completed', 'blocked', 'failed', 'awaiting_approval']);
    assert.notEqual(done.body.state, 'blocked');
    const assessed = done.body.timeline.find((e: { type: string }) => e.type === 'intent.assessed');
    assert.deepEqual(assessed.data.policy.exceptionsApplied, [created.body.id]);
    const list = await request(h.api.app).get('/api/v1/exceptions?packageName=agentb').set('Authorization', `Bearer ${h.auditor}`);
    assert.equal(list.body.items[0].effective, true);
  });

  it('an expired exception never counts, and bad exception input names the field', async () => {
    const agentC = {
      packageName: 'AgentC',
      findingIds: ['CVE-2024-3094'],
      compensatingControls: 'Network isolation of all hosts',
      justification: 'Temporary waiver',
    };
    const past = await post(h.rel, '/api/v1/exceptions', { ...agentC, expiresAt: inDays(-1) });
    assert.equal(past.status, 400);
    assert.equal(past.body.errors[0].path, 'expiresAt');
    const noControls = await post(h.rel, '/api/v1/exceptions', { ...agentC, compensatingControls: 'none', expiresAt: inDays(1) });
    assert.equal(noControls.status, 400);
    assert.equal(noControls.body.errors[0].path, 'compensatingControls');

    // Expire an approved exception in place (as time would): the policy must ignore it.
    const ex = await post(h.rel, '/api/v1/exceptions', { ...agentC, expiresAt: inDays(1) });
    await post(h.secReviewer, `/api/v1/exceptions/${ex.body.id}/approve`, {});
    await h.api.ds.query(`UPDATE exceptions SET expires_at = now() - interval '1 minute' WHERE id = $1`, [ex.body.id]);
    const { id } = await h.submit(intentWithFinding('AgentC'));
    assert.equal((await h.waitForState(id, ['blocked', 'completed'])).body.state, 'blocked');
  });
});
