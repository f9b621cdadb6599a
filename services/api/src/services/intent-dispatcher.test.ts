import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { DeploymentIntentRepository } from '@eucora/persistence';
import { createTestTenant, sampleIntent, startTestApi, type TestTenant } from '../test-support/test-stack';
import { IntentDispatcher } from './intent-dispatcher';

/**
 * Finding 6, fairness: a tenant's started-and-still-assessing intents are capped; one tenant's flood waits for the
 * dispatcher while another tenant's single intent starts at once, and held intents start round-robin across tenants.
 * Workflows go to a task queue no worker polls, so "assessing" lasts exactly as long as the test says.
 */
describe('per-tenant fairness of workflow starts (real PostgreSQL and Temporal)', () => {
  let api: Awaited<ReturnType<typeof startTestApi>>;
  let a: TestTenant;
  let b: TestTenant;
  let c: TestTenant;
  const CAP = 3;

  before(async () => {
    api = await startTestApi({ TEMPORAL_TASK_QUEUE: `fairness-${randomUUID()}`, EUCORA_TENANT_MAX_ASSESSING: String(CAP) });
    [a, b, c] = [await createTestTenant(api.ds), await createTestTenant(api.ds), await createTestTenant(api.ds)];
  });
  after(async () => api.close());

  const file = async (t: TestTenant, n: number): Promise<{ id: string; workflowStarted: boolean }[]> => {
    const rel = await t.issue(['release_engineer']);
    const out = [];
    for (let i = 0; i < n; i++) {
      const res = await request(api.app)
        .post('/api/v1/deployment-intents')
        .set('Authorization', `Bearer ${rel}`)
        .set('Idempotency-Key', `k-${randomUUID()}`)
        .send(sampleIntent({ title: `flood ${i}` }));
      assert.equal(res.status, 201, JSON.stringify(res.body));
      out.push({ id: res.body.id as string, workflowStarted: res.body.workflowStarted as boolean });
    }
    return out;
  };
  const dispatcher = () =>
    new IntentDispatcher(new DeploymentIntentRepository(api.ds), api.intents, silent, {
      graceMs: 0,
      maxAssessing: CAP,
      tenantIds: [a.tenantId, b.tenantId, c.tenantId],
    });
  const finishAssessing = (t: TestTenant) =>
    api.ds.query(`UPDATE deployment_intents SET state = 'awaiting_approval' WHERE tenant_id = $1 AND workflow_started_at IS NOT NULL`, [
      t.tenantId,
    ]);

  it("tenant A's flood is held at the cap while tenant B's single intent starts at once", async () => {
    const flood = await file(a, 8);
    assert.deepEqual(
      flood.map((x) => x.workflowStarted),
      [true, true, true, false, false, false, false, false],
    );
    const [single] = await file(b, 1);
    assert.equal(single!.workflowStarted, true, "B is not queued behind A's backlog");
    assert.equal(await dispatcher().sweep(), 0, 'A is still at its cap: the dispatcher holds it back');
  });

  it('as assessments finish, held intents start round-robin across tenants, oldest first, never above the cap', async () => {
    const cHeld = await file(c, 5);
    assert.equal(cHeld.filter((x) => x.workflowStarted).length, CAP);
    await finishAssessing(a);
    await finishAssessing(c);
    assert.equal(await dispatcher().sweep(), 5, 'A gets 3 (its cap), C its 2 remaining');
    const started: { tenant_id: string; title: string }[] = await api.ds.query(
      `SELECT tenant_id, title FROM deployment_intents
       WHERE tenant_id = ANY($1::uuid[]) AND state = 'submitted' AND workflow_started_at IS NOT NULL ORDER BY workflow_started_at`,
      [[a.tenantId, c.tenantId]],
    );
    const who = started.map((r) => (r.tenant_id === a.tenantId ? 'A' : 'C'));
    assert.deepEqual(who, ['A', 'C', 'A', 'C', 'A'], 'round-robin, not A first');
    const aTitles = started.filter((r) => r.tenant_id === a.tenantId).map((r) => r.title);
    assert.deepEqual(aTitles, ['flood 3', 'flood 4', 'flood 5'], 'oldest first');
    const stillHeld = await api.ds.query(
      `SELECT count(*)::int AS n FROM deployment_intents WHERE tenant_id = $1 AND workflow_started_at IS NULL`,
      [a.tenantId],
    );
    assert.equal(stillHeld[0].n, 2);
  });
});

const silent = { info: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined } as never;
