import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import request from 'supertest';
import { type Harness, msiArtifact, types, useHarness } from './test-support/lifecycle-harness';

/** The lifecycle on the real Temporal dev server, PostgreSQL and MinIO, deploying to the Intune simulator over HTTP. */
describe('deployment intent lifecycle (real Temporal, PostgreSQL, MinIO, Intune simulator)', () => {
  let h: Harness;
  useHarness({ installDurationMs: 150 }, (started) => (h = started));

  const decide = (token: string, cabId: string, kind: 'approve' | 'reject', body: Record<string, unknown>) =>
    request(h.api.app).post(`/api/v1/cab/items/${cabId}/${kind}`).set('Authorization', `Bearer ${token}`).send(body);

  it('a low-risk intent completes every ring with no approval, one app and one assignment per ring', async () => {
    const { id, workflowId } = await h.submit({ title: 'Low risk 7-Zip', artifact: { ...msiArtifact('LowRisk') } });
    const done = await h.waitForState(id, ['completed', 'failed', 'rolled_back', 'blocked']);
    assert.equal(done.body.state, 'completed', JSON.stringify(types(done)));
    assert.ok(done.body.riskScore <= 50, `risk ${done.body.riskScore}`);
    const t = types(done);
    assert.equal(t.filter((x) => x === 'ring.promoted').length, 4);
    assert.ok(!t.includes('cab.requested'));
    assert.equal(t.at(-1), 'intent.completed');
    const assessed = done.body.timeline.find((e: { type: string }) => e.type === 'intent.assessed');
    assert.equal(assessed.data.factors.length, 8, 'risk breakdown recorded');
    assert.match(assessed.reason, /risk-v1/);
    const stats = h.sim.getStats();
    const adds = Object.entries(stats.requiredAssignmentAdds).filter(([k]) =>
      k.startsWith(done.body.timeline.find((e: { type: string }) => e.type === 'ring.deployed').data.objectIds.appId),
    );
    assert.equal(adds.length, 4);
    assert.ok(adds.every(([, n]) => n === 1));
    // Evidence chained: v1 at assessment, the final version after the last ring, each pointing at the previous hash.
    const packs = await h.api.ds.query('SELECT version, sha256, prev_sha256 FROM evidence_packs WHERE intent_id = $1 ORDER BY version', [
      id,
    ]);
    assert.ok(packs.length >= 2);
    for (let i = 1; i < packs.length; i++) assert.equal(packs[i].prev_sha256, packs[i - 1].sha256);
    await h.saveHistory(workflowId, 'low-risk-completes');
  });

  const testName =
    'a risk-60 intent runs rings 0–1, waits, refuses the submitter, a stale hash and a non-CAB role, then completes after approval';
  it(testName, async () => {
    const { id, workflowId } = await h.submit({
      title: 'Medium risk',
      artifact: msiArtifact('MediumRisk'),
      riskInputs: { privilege: 'admin' },
    });
    const waiting = await h.waitForState(id, ['awaiting_approval', 'failed', 'completed']);
    assert.equal(waiting.body.state, 'awaiting_approval');
    assert.ok(waiting.body.riskScore > 50 && waiting.body.riskScore <= 75, `risk ${waiting.body.riskScore}`);
    const t = types(waiting);
    assert.equal(t.filter((x) => x === 'ring.promoted').length, 2, 'rings 0 and 1 ran before the gate');
    const item = await h.cabItem(id);
    assert.equal(item.status, 'pending');
    assert.equal(item.quorum, 1);
    assert.equal(item.gateRing, 2);
    assert.equal(item.risk.factors.length, 8);
    assert.ok(item.policy.reasons.length > 0);
    assert.match(item.evidenceHash, /^[a-f0-9]{64}$/);

    const submitterToo = await h.tenant.issue(['change_manager', 'release_engineer'], 'rita-release');
    const own = await decide(submitterToo, item.id, 'approve', { evidenceHash: item.evidenceHash });
    assert.equal(own.status, 403, JSON.stringify(own.body));
    assert.match(own.body.detail, /Separation of duties/);
    const stale = await decide(h.cm1, item.id, 'approve', { evidenceHash: 'f'.repeat(64) });
    assert.equal(stale.status, 409);
    assert.match(stale.body.detail, /Stale evidence/);
    const notCab = await decide(h.rel, item.id, 'approve', { evidenceHash: item.evidenceHash });
    assert.equal(notCab.status, 403);

    const ok = await decide(h.cm1, item.id, 'approve', { evidenceHash: item.evidenceHash, comment: 'Canary clean' });
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    assert.equal(ok.body.status, 'approved');
    const done = await h.waitForState(id, ['completed', 'failed', 'rolled_back']);
    assert.equal(done.body.state, 'completed');
    const decisions = await h.api.ds.query('SELECT actor, evidence_hash FROM cab_decisions WHERE cab_item_id = $1', [item.id]);
    assert.deepEqual(decisions, [{ actor: 'carl-cab', evidence_hash: item.evidenceHash }]);
    assert.ok(types(done).includes('cab.approval_recorded'));
    await h.saveHistory(workflowId, 'medium-risk-approved');
  });

  it('a risk-80 intent needs two different change managers before ring 1', async () => {
    const { id, workflowId } = await h.submit({
      title: 'High risk driver',
      artifact: msiArtifact('HighRisk'),
      riskInputs: { privilege: 'kernel_driver', dataAccess: 'regulated', requiresReboot: true, hasScripts: true },
    });
    const waiting = await h.waitForState(id, ['awaiting_approval', 'failed', 'completed']);
    assert.ok(waiting.body.riskScore > 75, `risk ${waiting.body.riskScore}`);
    assert.equal(types(waiting).filter((x) => x === 'ring.promoted').length, 1, 'only ring 0 before the gate');
    const item = await h.cabItem(id);
    assert.equal(item.quorum, 2);
    const first = await decide(h.cm1, item.id, 'approve', { evidenceHash: item.evidenceHash });
    assert.equal(first.body.status, 'pending');
    assert.equal(first.body.approvals, 1);
    const again = await decide(h.cm1, item.id, 'approve', { evidenceHash: item.evidenceHash });
    assert.equal(again.status, 409, 'the same approver cannot count twice');
    assert.equal((await h.get(id)).body.state, 'awaiting_approval');
    const second = await decide(h.cm2, item.id, 'approve', { evidenceHash: item.evidenceHash });
    assert.equal(second.body.status, 'approved');
    const done = await h.waitForState(id, ['completed', 'failed', 'rolled_back']);
    assert.equal(done.body.state, 'completed');
    await h.saveHistory(workflowId, 'high-risk-two-approvals');
  });

  it('a bad package (30% install failure) halts at its ring and rolls back', async () => {
    h.sim.engine.config.failureRules = [{ match: 'BadPkg', rate: 0.3 }];
    const { id, workflowId } = await h.submit({ title: 'Bad package', artifact: msiArtifact('BadPkg') });
    const done = await h.waitForState(id, ['rolled_back', 'completed', 'failed']);
    assert.equal(done.body.state, 'rolled_back');
    const t = types(done);
    assert.ok(t.includes('ring.halted'));
    assert.ok(t.includes('ring.rolled_back'));
    // Which devices fail is a hash of app and device, so the first ring over its failure budget varies per run.
    const halted = done.body.timeline.find((e: { type: string }) => e.type === 'ring.halted');
    const c = halted.data.counts;
    assert.ok(c.failed * 100 > (100 - halted.data.threshold) * (c.targeted - c.notApplicable), JSON.stringify(halted.data));
    assert.match(halted.reason, /failed/);
    const deployedRings = done.body.timeline
      .filter((e: { type: string }) => e.type === 'ring.deployed')
      .map((e: { data: { ring: string } }) => e.data.ring);
    assert.equal(deployedRings.at(-1), halted.data.ring, 'no ring after the failed one');
    assert.equal(t.filter((x) => x === 'ring.rolled_back').length, deployedRings.length, 'every deployed ring rolled back');
    const appId = done.body.timeline.find((e: { type: string }) => e.type === 'ring.deployed').data.objectIds.appId;
    const stats = h.sim.getStats();
    assert.ok(stats.uninstallAssignments >= deployedRings.length);
    assert.equal(Object.keys(stats.requiredAssignmentAdds).filter((k) => k.startsWith(appId)).length, deployedRings.length);
    await h.saveHistory(workflowId, 'bad-package-rolled-back');
  });

  it('reject needs a comment, and a rejected intent rolls back its rings', async () => {
    const { id } = await h.submit({ title: 'To be rejected', artifact: msiArtifact('Rejected'), riskInputs: { privilege: 'admin' } });
    await h.waitForState(id, ['awaiting_approval']);
    const item = await h.cabItem(id);
    const noComment = await decide(h.cm1, item.id, 'reject', { evidenceHash: item.evidenceHash });
    assert.equal(noComment.status, 400);
    assert.equal(noComment.body.errors[0].path, 'comment');
    const rej = await decide(h.cm1, item.id, 'reject', { evidenceHash: item.evidenceHash, comment: 'Conflicts with the finance freeze' });
    assert.equal(rej.body.status, 'rejected');
    const done = await h.waitForState(id, ['rejected']);
    assert.equal(types(done).filter((x) => x === 'ring.rolled_back').length, 2);
    assert.equal((await h.cabItem(id)) ?? null, null, 'no longer pending');
  });

  it('cancel in mid-rollout rolls back the deployed rings', async () => {
    const { id, workflowId } = await h.submit({
      title: 'Cancelled',
      artifact: msiArtifact('Cancelled'),
      riskInputs: { privilege: 'admin' },
    });
    await h.waitForState(id, ['awaiting_approval']);
    const res = await request(h.api.app)
      .post(`/api/v1/deployment-intents/${id}/cancel`)
      .set('Authorization', `Bearer ${h.rel}`)
      .send({ reason: 'Vendor pulled the release' });
    assert.equal(res.status, 202);
    const done = await h.waitForState(id, ['cancelled']);
    const t = types(done);
    assert.equal(t.filter((x) => x === 'ring.rolled_back').length, 2);
    assert.equal(t.at(-1), 'intent.cancelled');
    const again = await request(h.api.app).post(`/api/v1/deployment-intents/${id}/cancel`).set('Authorization', `Bearer ${h.rel}`).send({});
    assert.equal(again.status, 409);
    await h.saveHistory(workflowId, 'cancelled-mid-rollout');
  });

  it('lists intents with filters and cursor pagination', async () => {
    const page1 = await request(h.api.app).get('/api/v1/deployment-intents?limit=2').set('Authorization', `Bearer ${h.rel}`);
    assert.equal(page1.status, 200);
    assert.equal(page1.body.items.length, 2);
    assert.ok(page1.body.nextCursor);
    const page2 = await request(h.api.app)
      .get(`/api/v1/deployment-intents?limit=2&cursor=${page1.body.nextCursor}`)
      .set('Authorization', `Bearer ${h.rel}`);
    const ids = new Set([...page1.body.items, ...page2.body.items].map((i: { id: string }) => i.id));
    assert.equal(ids.size, page1.body.items.length + page2.body.items.length, 'pages do not overlap');
    const completed = await request(h.api.app)
      .get('/api/v1/deployment-intents?state=completed&riskBand=low')
      .set('Authorization', `Bearer ${h.rel}`);
    assert.ok(completed.body.items.length >= 1);
    assert.ok(completed.body.items.every((i: { state: string; riskBand: string }) => i.state === 'completed' && i.riskBand === 'low'));
    const bad = await request(h.api.app).get('/api/v1/deployment-intents?state=nope').set('Authorization', `Bearer ${h.rel}`);
    assert.equal(bad.status, 400);
    assert.equal(bad.body.errors[0].path, 'state');
    const events = await request(h.api.app)
      .get(`/api/v1/deployment-intents/${completed.body.items[0].id}/events`)
      .set('Authorization', `Bearer ${h.rel}`);
    assert.ok(events.body.items.every((e: { reason: string; data: { action?: string } }) => e.reason.length > 0 && e.data.action));
  });

  it('audit: the chain verifies after the runs, and the app role cannot rewrite events', async () => {
    const v = await request(h.api.app).get('/api/v1/audit/verify').set('Authorization', `Bearer ${h.auditor}`);
    assert.equal(v.status, 200);
    assert.equal(v.body.ok, true, JSON.stringify(v.body));
    assert.ok(v.body.checked > 20);
    await assert.rejects(
      h.api.ds.query(`UPDATE events SET reason = 'x' WHERE tenant_id = $1`, [h.tenant.tenantId]),
      /permission denied|append-only/,
    );
    await assert.rejects(h.api.ds.query(`DELETE FROM events WHERE tenant_id = $1`, [h.tenant.tenantId]), /permission denied|append-only/);
    await assert.rejects(h.api.ds.query(`TRUNCATE events`), /permission denied|append-only/);
    const page = await request(h.api.app).get('/api/v1/audit/events?type=ring.halted&limit=5').set('Authorization', `Bearer ${h.auditor}`);
    assert.ok(page.body.items.length >= 1);
    assert.ok(page.body.items.every((e: { eventType: string }) => e.eventType === 'ring.halted'));
  });
});
