// Workflow tier: the DeploymentIntent workflow on TestWorkflowEnvironment (a local Temporal dev server started from the temporal
// CLI binary) with stub activities — the CAB gate, waits, soak, timeouts and empty rings, no HTTP, PostgreSQL or plane.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { decisionKeyFrom, signDecision, type PolicyDecision, type RiskResult } from '@eucora/core';
import { createDecisionActivities } from './decision.activities';
import type { Assessment, IntentActivities, PlannedRing, TransitionInput } from './intent.activities';
import {
  approveUpdate,
  cancelSignal,
  DecisionFailure,
  intentStateQuery,
  rejectUpdate,
  type CabDecisionInput,
  type DeploymentIntentInput,
  type IntentLiveState,
  type RingTiming,
} from './intent.messages';

type Counts = { targeted: number; succeeded: number; failed: number; pending: number; notApplicable: number };

/** What one test's intent does: its gate, schedule, rings and what the plane reports per ring and poll. */
interface Scenario {
  quorum?: number;
  approvalBeforeRing?: number | null;
  rings?: Partial<PlannedRing>[];
  notBeforeInMs?: number;
  blackout?: { fromMs: number; toMs: number };
  status?: (ring: number, poll: number) => Counts;
  /** Makes rollbacks slow, to act while the workflow is rolling back. */
  rollbackDelayMs?: number;
}

/** Everything the stub activities saw for one intent. */
interface Recorded {
  events: TransitionInput[];
  decisions: { decision: string; actor: string }[];
  closed: string[];
  deployed: { ring: number; at: number }[];
  rolledBack: number[];
  polls: Map<number, number>;
}

const done = (n: number): Counts => ({ targeted: n, succeeded: n, failed: 0, pending: 0, notApplicable: 0 });
const TIMING: Partial<RingTiming> = { pollInitialMs: 50, pollMaxMs: 200, ringTimeoutSeconds: 3600, emptyRingGraceSeconds: 1 };

function findTemporal(): string {
  const candidates = [
    process.env.EUCORA_TEST_TEMPORAL_BIN,
    path.join(process.env.EUCORA_TOOLS_DIR ?? path.join(os.homedir(), '.cache', 'eucora', 'tools'), 'bin', 'temporal'),
  ];
  for (const c of candidates) if (c && existsSync(c)) return c;
  const onPath = spawnSync('sh', ['-c', 'command -v temporal'], { encoding: 'utf8' });
  if (onPath.status === 0) return onPath.stdout.trim();
  throw new Error('temporal CLI not found: set EUCORA_TEST_TEMPORAL_BIN or run npm start once (it builds it into the tools cache)');
}

describe('DeploymentIntent workflow tier (TestWorkflowEnvironment, stub activities)', { concurrency: true }, () => {
  let env: TestWorkflowEnvironment;
  let worker: Worker;
  let running: Promise<void>;
  const taskQueue = `wf-tier-${randomUUID()}`;
  const key = decisionKeyFrom(randomBytes(32).toString('base64'));
  const scenarios = new Map<string, Scenario>();
  const recorded = new Map<string, Recorded>();
  const rec = (intentId: string) => {
    let r = recorded.get(intentId);
    if (!r) recorded.set(intentId, (r = { events: [], decisions: [], closed: [], deployed: [], rolledBack: [], polls: new Map() }));
    return r;
  };
  const started = Date.now();

  const stubs: IntentActivities = {
    async recordTransition(t) {
      rec(t.intentId).events.push(t);
    },
    async checkArtifact() {
      return null;
    },
    async assessIntent(_tenantId, intentId): Promise<Assessment> {
      const s = scenarios.get(intentId)!;
      const now = Date.now();
      const ring = (index: number) => ({ index, name: `ring${index}`, deviceGroup: `g${index}`, successThreshold: 95, soakSeconds: 0 });
      const rings = (s.rings ?? [{}, {}, {}]).map((r, index) => ({ ...ring(index), ...r }));
      const quorum = s.quorum ?? 0;
      const gate = s.approvalBeforeRing ?? null;
      const policy: PolicyDecision = {
        policyVersion: 'policy-v1',
        decision: gate === null ? 'allow' : 'require_approval',
        reasons: ['stub policy'],
        approvalBeforeRing: gate,
        quorum,
        postImplementationReview: false,
        exceptionsApplied: [],
        uncoveredFindings: [],
      };
      const score = gate === null ? 10 : 80;
      const band = gate === null ? 'low' : 'high';
      const risk = { modelVersion: 'risk-v1', score, band, totalMilli: 0, factors: [] } as unknown as RiskResult;
      return {
        artifactCheck: null,
        plane: 'intune',
        changeType: 'normal',
        risk,
        policy,
        rings,
        notBefore: s.notBeforeInMs === undefined ? null : new Date(now + s.notBeforeInMs).toISOString(),
        blackoutWindows: s.blackout
          ? [{ start: new Date(now + s.blackout.fromMs).toISOString(), end: new Date(now + s.blackout.toMs).toISOString() }]
          : [],
      };
    },
    async writeEvidencePack(req) {
      return { packId: `pack-${req.version}`, sha256: String(req.version).padStart(64, 'a') };
    },
    async openCabItem(i) {
      return { cabItemId: `cab-${i.intentId}` };
    },
    async recordCabDecision(i) {
      rec(i.intentId).decisions.push({ decision: i.decision, actor: i.actor });
    },
    async closeCabItem(i) {
      rec(i.cabItemId.replace(/^cab-/, '')).closed.push(i.status);
    },
    async ringBaseline() {
      return {};
    },
    async deployRing(s) {
      rec(s.intentId).deployed.push({ ring: s.ring.index, at: Date.now() });
      return { plane: 'intune', objectIds: { group: s.ring.deviceGroup }, adopted: false };
    },
    async ringStatus(s) {
      const r = rec(s.intentId);
      const n = r.polls.get(s.ring.index) ?? 0;
      r.polls.set(s.ring.index, n + 1);
      return (scenarios.get(s.intentId)!.status ?? (() => done(10)))(s.ring.index, n);
    },
    async rollbackRing(s) {
      await new Promise((res) => setTimeout(res, scenarios.get(s.intentId)!.rollbackDelayMs ?? 0));
      rec(s.intentId).rolledBack.push(s.ring.index);
    },
  };

  before(async () => {
    Runtime.install({ logger: new DefaultLogger('ERROR') });
    env = await TestWorkflowEnvironment.createLocal({ server: { executable: { type: 'existing-path', path: findTemporal() } } });
    worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowsPath: require.resolve('./workflows'),
      activities: { ...stubs, ...createDecisionActivities({ keys: [Buffer.from(key.secret).toString('base64')], maxAgeSeconds: 300 }) },
    });
    running = worker.run();
  });
  after(async () => {
    worker?.shutdown();
    await running;
    await env?.teardown();
    process.stdout.write(`# workflow tier: ${((Date.now() - started) / 1000).toFixed(1)} s including server start and bundling\n`);
  });

  const start = async (s: Scenario, extra: Partial<DeploymentIntentInput> = {}) => {
    const intentId = randomUUID();
    scenarios.set(intentId, s);
    const handle = await env.client.workflow.start('deploymentIntentWorkflow', {
      taskQueue,
      workflowId: `intent-${intentId}`,
      args: [
        {
          tenantId: 't1',
          intentId,
          submittedBy: 'rita',
          submittedByTokenId: 'tok-rita',
          correlationId: 'c1',
          timing: TIMING,
          ...extra,
        } satisfies DeploymentIntentInput,
      ],
    });
    return { intentId, handle, r: rec(intentId) };
  };
  const waitFor = async (handle: WorkflowHandle, pred: (s: IntentLiveState) => boolean, timeoutMs = 20_000) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const s = await handle.query(intentStateQuery);
      if (pred(s)) return s;
      if (Date.now() > deadline) throw new Error(`timed out; live state ${JSON.stringify(s)}`);
      await new Promise((res) => setTimeout(res, 50));
    }
  };
  const decision = (actor: string, over: Partial<CabDecisionInput> = {}): CabDecisionInput => ({
    actor,
    tokenId: `tok-${actor}`,
    roles: ['change_manager'],
    evidenceHash: '',
    ...over,
  });
  type Kind = 'approve' | 'reject';
  const signed = (handle: WorkflowHandle, cabItemId: string, kind: Kind, d: CabDecisionInput, at = new Date()): CabDecisionInput => {
    const claims = { ...d, kind, workflowId: handle.workflowId, cabItemId, issuedAt: at.toISOString(), nonce: randomUUID() };
    return { ...d, auth: signDecision(claims, key) };
  };
  const refusal = async (p: Promise<unknown>): Promise<string> => {
    try {
      await p;
    } catch (err) {
      assert.ok(err instanceof WorkflowUpdateFailedError, String(err));
      return (err.cause as { type?: string }).type ?? 'untyped';
    }
    assert.fail('the update was accepted');
  };
  const eventTypes = (r: Recorded) => r.events.map((e) => e.eventType);
  const atGate = async (s: Scenario) => {
    const w = await start({ quorum: 2, approvalBeforeRing: 1, ...s });
    const live = await waitFor(w.handle, (l) => l.state === 'awaiting_approval');
    return { ...w, gate: live.gate! };
  };

  it('CAB gate: 10 parallel approvals by one change manager count once; a second one meets the quorum of 2', async () => {
    const { handle, r, gate } = await atGate({});
    const one = decision('carl', { evidenceHash: gate.evidenceHash });
    const outcomes = await Promise.allSettled(
      Array.from({ length: 10 }, () => handle.executeUpdate(approveUpdate, { args: [signed(handle, gate.cabItemId, 'approve', one)] })),
    );
    const ok = outcomes.filter((o) => o.status === 'fulfilled');
    assert.equal(ok.length, 1, JSON.stringify(outcomes.map((o) => (o.status === 'fulfilled' ? o.value : String(o.reason)))));
    assert.deepEqual((ok[0] as PromiseFulfilledResult<unknown>).value, { approvals: 1, quorum: 2, status: 'pending' });
    for (const o of outcomes) {
      if (o.status !== 'rejected') continue;
      assert.equal(((o.reason as WorkflowUpdateFailedError).cause as { type?: string }).type, DecisionFailure.AlreadyApproved);
    }
    const live = await handle.query(intentStateQuery);
    assert.equal(live.state, 'awaiting_approval');
    assert.deepEqual(live.gate?.approvals, ['carl']);
    assert.deepEqual(r.decisions, [{ decision: 'approve', actor: 'carl' }]);
    assert.ok(!eventTypes(r).includes('cab.approved'));
    assert.equal(r.deployed.length, 1, 'only ring 0 before the gate');

    const cora = signed(handle, gate.cabItemId, 'approve', decision('cora', { evidenceHash: gate.evidenceHash }));
    const second = await handle.executeUpdate(approveUpdate, { args: [cora] });
    assert.deepEqual(second, { approvals: 2, quorum: 2, status: 'approved' });
    const result = await handle.result();
    assert.equal(result.state, 'completed');
    const approved = r.events.find((e) => e.eventType === 'cab.approved')!;
    assert.deepEqual(approved.data.approvers, ['carl', 'cora']);
    assert.deepEqual(r.closed, ['approved']);
  });

  it('CAB gate: typed refusals (submitter, non-CAB role, stale hash, unsigned, forged, stale, no comment)', async () => {
    const { handle, r, gate } = await atGate({});
    const d = decision('carl', { evidenceHash: gate.evidenceHash });
    const approve = (x: CabDecisionInput) => handle.executeUpdate(approveUpdate, { args: [x] });
    const sign = (x: CabDecisionInput, at?: Date) => signed(handle, gate.cabItemId, 'approve', x, at);
    const { SeparationOfDutiesViolation, NotChangeManager, StaleEvidence, BadDecisionSignature, StaleDecision } = DecisionFailure;
    assert.equal(await refusal(approve(sign({ ...d, actor: 'rita' }))), SeparationOfDutiesViolation);
    assert.equal(await refusal(approve(sign({ ...d, tokenId: 'tok-rita' }))), SeparationOfDutiesViolation);
    assert.equal(await refusal(approve(sign({ ...d, roles: ['release_engineer'] }))), NotChangeManager);
    assert.equal(await refusal(approve(sign({ ...d, evidenceHash: 'f'.repeat(64) }))), StaleEvidence);
    assert.equal(await refusal(approve(d)), BadDecisionSignature, 'unsigned');
    const forged = signed(handle, gate.cabItemId, 'approve', d);
    assert.equal(await refusal(approve({ ...forged, auth: { ...forged.auth!, mac: 'a'.repeat(64) } })), BadDecisionSignature, 'wrong MAC');
    assert.equal(await refusal(approve({ ...forged, actor: 'mallory', tokenId: 'tok-mallory' })), BadDecisionSignature, 'claims changed');
    assert.equal(await refusal(approve(signed(handle, `cab-other`, 'approve', d))), BadDecisionSignature, 'signed for another item');
    const reuse = handle.executeUpdate(rejectUpdate, { args: [{ ...forged, comment: 'no' }] });
    assert.equal(await refusal(reuse), BadDecisionSignature, 'approve MAC reused as reject');
    assert.equal(await refusal(approve(sign(d, new Date(Date.now() - 3_600_000)))), StaleDecision);
    const noComment = handle.executeUpdate(rejectUpdate, { args: [signed(handle, gate.cabItemId, 'reject', d)] });
    assert.equal(await refusal(noComment), DecisionFailure.CommentRequired);
    assert.deepEqual(r.decisions, [], 'nothing recorded');
    const live = await handle.query(intentStateQuery);
    assert.deepEqual(live.gate?.approvals, []);
    assert.equal(live.state, 'awaiting_approval');
    await handle.signal(cancelSignal, { actor: 'rita', reason: 'test done' });
    assert.equal((await handle.result()).state, 'cancelled');
  });

  it('CAB gate: a rejection rolls back ring 0 and closes the item as rejected', async () => {
    const { handle, r, gate } = await atGate({ quorum: 1 });
    const carl = decision('carl', { evidenceHash: gate.evidenceHash, comment: 'Freeze' });
    const res = await handle.executeUpdate(rejectUpdate, { args: [signed(handle, gate.cabItemId, 'reject', carl)] });
    assert.equal(res.status, 'rejected');
    assert.equal((await handle.result()).state, 'rejected');
    assert.deepEqual(r.rolledBack, [0]);
    assert.deepEqual(r.closed, ['rejected']);
    assert.equal(eventTypes(r).at(-1), 'intent.rejected');
  });

  it('CAB gate: cancel while waiting withdraws the item, rolls back ring 0, and later decisions find nothing pending', async () => {
    const { handle, r, gate } = await atGate({ rollbackDelayMs: 1500 });
    await handle.signal(cancelSignal, { actor: 'rita', reason: 'Vendor pulled it' });
    await waitFor(handle, (l) => l.state === 'rolling_back');
    const late = signed(handle, gate.cabItemId, 'approve', decision('carl', { evidenceHash: gate.evidenceHash }));
    assert.equal(await refusal(handle.executeUpdate(approveUpdate, { args: [late] })), DecisionFailure.NoPendingDecision);
    assert.equal((await handle.result()).state, 'cancelled');
    assert.deepEqual(r.closed, ['withdrawn']);
    assert.deepEqual(r.rolledBack, [0]);
    assert.deepEqual(r.decisions, []);
  });

  it('blackout window: no ring starts before it ends', async () => {
    const { handle, r } = await start({ blackout: { fromMs: -60_000, toMs: 1500 }, rings: [{}] });
    assert.equal((await handle.result()).state, 'completed');
    const wait = r.events.find((e) => e.eventType === 'ring.waiting_blackout');
    assert.ok(wait, JSON.stringify(eventTypes(r)));
    assert.ok(r.deployed[0]!.at >= Date.parse(wait.data.until as string), 'deployed after the window');
  });

  it('not-before: the rollout waits for it', async () => {
    const t0 = Date.now();
    const { handle, r } = await start({ notBeforeInMs: 1500, rings: [{}] });
    await waitFor(handle, (l) => l.step === 'waiting_not_before');
    assert.equal((await handle.result()).state, 'completed');
    assert.ok(r.deployed[0]!.at - t0 >= 1400, `deployed ${r.deployed[0]!.at - t0} ms after start`);
  });

  it('soak: a ring that succeeds at once is promoted only after its soak time, re-polled meanwhile', async () => {
    const { handle, r } = await start({ rings: [{ soakSeconds: 2 }] });
    assert.equal((await handle.result()).state, 'completed');
    const promoted = r.events.find((e) => e.eventType === 'ring.promoted')!;
    assert.match(promoted.reason, /held for 2s/);
    assert.ok((r.polls.get(0) ?? 0) >= 2, `polls ${r.polls.get(0)}`);
    assert.ok(Date.now() - r.deployed[0]!.at >= 2000);
  });

  it('ring timeout: a ring that stays pending halts and rolls back every deployed ring', async () => {
    const pending = (): Counts => ({ targeted: 10, succeeded: 5, failed: 0, pending: 5, notApplicable: 0 });
    const status = (ring: number) => (ring === 0 ? done(10) : pending());
    const { handle, r } = await start({ rings: [{}, {}], status }, { timing: { ...TIMING, ringTimeoutSeconds: 1 } });
    assert.equal((await handle.result()).state, 'rolled_back');
    assert.ok(eventTypes(r).includes('ring.halted'));
    assert.deepEqual(r.rolledBack, [1, 0]);
  });

  it('zero-device ring: skipped with an explained ring.skipped event, the next ring still runs', async () => {
    const { handle, r } = await start({ rings: [{}, {}, {}], status: (ring) => (ring === 1 ? done(0) : done(10)) });
    const result = await handle.result();
    assert.equal(result.state, 'completed');
    assert.deepEqual(
      (result as IntentLiveState).rings.map((x) => x.status),
      ['promoted', 'skipped', 'promoted'],
    );
    const skipped = r.events.find((e) => e.eventType === 'ring.skipped')!;
    assert.match(skipped.reason, /Ring ring1 skipped: no device is targeted/);
    assert.deepEqual(r.rolledBack, []);
    assert.deepEqual(
      r.deployed.map((d) => d.ring),
      [0, 1, 2],
    );
  });

  it('ring with 0 devices in the target snapshot: skipped at once, never deployed or polled', async () => {
    const rings = [{ deviceCount: 3, sha256: 'a'.repeat(64) }, { deviceCount: 0, sha256: 'b'.repeat(64) }, { deviceCount: 7 }];
    const { handle, r } = await start({ rings });
    const result = await handle.result();
    assert.equal(result.state, 'completed');
    assert.deepEqual(
      (result as IntentLiveState).rings.map((x) => x.status),
      ['promoted', 'skipped', 'promoted'],
    );
    assert.deepEqual(
      r.deployed.map((d) => d.ring),
      [0, 2],
      'the empty ring is not deployed',
    );
    assert.equal(r.polls.get(1), undefined, 'nor polled');
    const skipped = r.events.find((e) => e.eventType === 'ring.skipped')!;
    assert.match(skipped.reason, /Ring ring1 skipped: the target snapshot put no device in it \(group g1 ∩ targets is empty\)/);
    assert.deepEqual(skipped.data.membership, { count: 0, sha256: 'b'.repeat(64) });
  });
});
