import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import request from 'supertest';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { decisionKeyFrom, signDecision } from '@eucora/core';
import { approveUpdate, cancelSignal, DecisionFailure, type CabDecisionInput } from '@eucora/workflows';
import { type Harness, msiArtifact, types, useHarness } from './test-support/lifecycle-harness';

/** CAB hardening through the real API, Temporal, PostgreSQL and the Intune simulator (issue 8 findings 1, 2, 5). */
describe('CAB and poisoned-input hardening (real stack)', () => {
  let h: Harness;
  useHarness({ installDurationMs: 150 }, (started) => (h = started));
  const artifact = (name: string) => msiArtifact(name, { sha256: 'c'.repeat(64) });

  const approve = (token: string, cabId: string, evidenceHash: string) =>
    request(h.api.app).post(`/api/v1/cab/items/${cabId}/approve`).set('Authorization', `Bearer ${token}`).send({ evidenceHash });
  const highRisk = (name: string) => ({
    title: name,
    artifact: { ...artifact(name) },
    riskInputs: { privilege: 'kernel_driver', dataAccess: 'regulated', requiresReboot: true, hasScripts: true },
  });
  const refusalType = async (p: Promise<unknown>) => {
    const err = await p.then(
      () => assert.fail('the update was accepted'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof WorkflowUpdateFailedError, String(err));
    return (err.cause as { type?: string }).type;
  };

  it('10 parallel approvals by one change manager count once (quorum 2 unmet, no cab.approved); a second manager approves', async () => {
    const { id, workflowId } = await h.submit(highRisk('ParallelApprovals'));
    await h.waitForState(id, ['awaiting_approval']);
    const item = await h.cabItem(id);
    assert.equal(item.quorum, 2);
    const results = await Promise.all(Array.from({ length: 10 }, () => approve(h.cm1, item.id, item.evidenceHash)));
    const statuses = results.map((r) => r.status).sort();
    assert.deepEqual(statuses, [200, 409, 409, 409, 409, 409, 409, 409, 409, 409], JSON.stringify(results.map((r) => r.body)));
    const accepted = results.find((r) => r.status === 200)!;
    assert.equal(accepted.body.approvals, 1);
    assert.equal(accepted.body.status, 'pending');
    assert.equal(accepted.body.item.status, 'pending');
    for (const r of results.filter((x) => x.status === 409)) assert.match(String(r.headers['content-type']), /application\/problem\+json/);

    const still = await request(h.api.app).get(`/api/v1/cab/items/${item.id}`).set('Authorization', `Bearer ${h.cm1}`);
    assert.equal(still.body.status, 'pending');
    const decisions = await h.api.ds.query('SELECT actor FROM cab_decisions WHERE cab_item_id = $1', [item.id]);
    assert.deepEqual(decisions, [{ actor: 'carl-cab' }]);
    const waiting = await h.get(id);
    assert.equal(waiting.body.state, 'awaiting_approval');
    assert.ok(!types(waiting).includes('cab.approved'));
    assert.equal(types(waiting).filter((t) => t === 'cab.approval_recorded').length, 1);

    const second = await approve(h.cm2, item.id, item.evidenceHash);
    assert.equal(second.status, 200, JSON.stringify(second.body));
    assert.equal(second.body.status, 'approved');
    assert.equal(second.body.approvals, 2);
    assert.equal(second.body.item.status, 'approved', 'the embedded item agrees with the decision');
    const approved = await h.waitForEvent(id, 'cab.approved');
    const ev = approved.body.timeline.find((e: { type: string }) => e.type === 'cab.approved');
    assert.deepEqual(ev.data.approvers, ['carl-cab', 'cora-cab']);
    const done = await h.waitForState(id, ['completed', 'failed', 'rolled_back']);
    assert.equal(done.body.state, 'completed');
    await h.saveHistory(workflowId, 'cab-parallel-approvals');
  });

  it('an update sent straight to Temporal by a made-up change manager, unsigned or forged, is refused and changes nothing', async () => {
    const { id, workflowId } = await h.submit({
      title: 'Direct update',
      artifact: artifact('DirectUpdate'),
      riskInputs: { privilege: 'admin' },
    });
    await h.waitForState(id, ['awaiting_approval']);
    const item = await h.cabItem(id);
    const handle = h.api.client.workflow.getHandle(workflowId);
    const forgedBy: CabDecisionInput = {
      actor: 'mallory',
      tokenId: randomUUID(),
      roles: ['change_manager'],
      evidenceHash: item.evidenceHash,
    };
    assert.equal(await refusalType(handle.executeUpdate(approveUpdate, { args: [forgedBy] })), DecisionFailure.BadDecisionSignature);
    const wrongKey = decisionKeyFrom(randomBytes(32).toString('base64'));
    const issuedAt = new Date().toISOString();
    const claims = { ...forgedBy, kind: 'approve' as const, workflowId, cabItemId: item.id, issuedAt, nonce: randomUUID() };
    const forged = { ...forgedBy, auth: signDecision(claims, wrongKey) };
    assert.equal(await refusalType(handle.executeUpdate(approveUpdate, { args: [forged] })), DecisionFailure.BadDecisionSignature);
    // The right key id with a made-up MAC (an attacker who read the key id off the history).
    const rightId = { ...forgedBy, auth: { ...forged.auth, keyId: decisionKeyFrom(h.api.config.EUCORA_DECISION_KEY!).id } };
    assert.equal(await refusalType(handle.executeUpdate(approveUpdate, { args: [rightId] })), DecisionFailure.BadDecisionSignature);

    assert.deepEqual(await h.api.ds.query('SELECT actor FROM cab_decisions WHERE cab_item_id = $1', [item.id]), []);
    const after = await h.get(id);
    assert.equal(after.body.state, 'awaiting_approval');
    assert.ok(!types(after).some((t) => t.startsWith('cab.approv')), JSON.stringify(types(after)));
    assert.equal((await h.cabItem(id)).status, 'pending');
    // The same approval through the API (signed) is accepted.
    const real = await approve(h.cm1, item.id, item.evidenceHash);
    assert.equal(real.status, 200, JSON.stringify(real.body));
    assert.equal(real.body.status, 'approved');
    await h.waitForState(id, ['completed']);
  });

  it('a cancel whose reason PostgreSQL refuses (NUL) ends the intent failed with ring 0 rolled back, without endless retries', async () => {
    h.sim.engine.config.installDurationMs = 120_000;
    try {
      const { id, workflowId } = await h.submit({ title: 'Poisoned cancel', artifact: artifact('PoisonedCancel') });
      const deployed = await h.waitForEvent(id, 'ring.deployed');
      assert.equal(deployed.body.state, 'rolling_out');
      // Straight to Temporal, past any intake check of the API.
      await h.api.client.workflow.getHandle(workflowId).signal(cancelSignal, { actor: 'rita-release', reason: 'bad\u0000reason' });
      const done = await h.waitForState(id, ['failed', 'cancelled', 'rolled_back'], 60_000);
      assert.ok(['failed', 'cancelled'].includes(done.body.state), done.body.state);
      const t = types(done);
      assert.ok(t.includes('ring.rolled_back'), JSON.stringify(t));
      const rolled = done.body.timeline.find((e: { type: string }) => e.type === 'ring.rolled_back');
      assert.equal(rolled.data.ring, 'ring0-lab');
      const failed = done.body.timeline.find((e: { type: string }) => e.type === 'intent.failed');
      assert.ok(failed, JSON.stringify(t));
      // Two defences, either of which is permanent: the event store refuses unstorable text (InputError) before PostgreSQL
      // sees it; a write that reaches PostgreSQL anyway fails with SQLSTATE class 22 (DatabaseDataError, unit-tested).
      assert.match(failed.reason, /SQLSTATE 22|not storable/);
      assert.ok(['DatabaseDataError', 'InputError'].includes(failed.data.error), failed.data.error);
      assert.ok(!JSON.stringify(done.body).includes('\\u0000'), 'the poisoned string is recorded nowhere');
      // The run closes right after its last event; it ends (no retry loop left behind) with the same final state.
      const result = await h.api.client.workflow.getHandle(workflowId).result();
      assert.equal(result.state, done.body.state);
      assert.equal((await h.api.client.workflow.getHandle(workflowId).describe()).status.name, 'COMPLETED');
      const v = await request(h.api.app).get('/api/v1/audit/verify').set('Authorization', `Bearer ${h.auditor}`);
      assert.equal(v.body.ok, true, JSON.stringify(v.body));
    } finally {
      h.sim.engine.config.installDurationMs = 150;
    }
  });
});
