import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { createIntentSchema, isConflictError, isNotFoundError, type Principal } from '@eucora/core';
import type { DeploymentIntentEntity, IdempotencyClaim, Tx } from '@eucora/persistence';
import type { WorkflowStarter } from '../adapters/workflow-starter';
import { sampleIntent } from '../testing/sample-intent';
import { IntentService, type CreateIntentInput, type IntentStores } from './intent.service';

// IntentService without HTTP or a database: in-memory repositories behind its narrow store interfaces.

const spec = createIntentSchema.parse(sampleIntent());

function fakeStores() {
  const rows = new Map<string, DeploymentIntentEntity>();
  const keys = new Map<string, { requestHash: string; resourceId: string }>();
  const txs: Tx[] = [];
  const inserts: { id: string; tx: Tx | undefined }[] = [];
  let clock = Date.parse('2026-01-01T00:00:00Z');
  const stores: IntentStores = {
    intents: {
      async insert(intent, tx) {
        inserts.push({ id: intent.id, tx });
        const at = new Date((clock += 1000));
        const row = { ...intent, createdAt: at, updatedAt: at, riskScore: null, riskBand: null, policyDecision: null };
        rows.set(row.id, row);
        return row;
      },
      async findById(tenantId, id) {
        const row = rows.get(id);
        return row && row.tenantId === tenantId ? { ...row } : null;
      },
      async list(tenantId, f) {
        const mine = [...rows.values()].filter((r) => r.tenantId === tenantId);
        mine.sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime());
        const start = f.afterId ? mine.findIndex((r) => r.id === f.afterId) + 1 : 0;
        return mine.slice(start, start + f.limit);
      },
      async countAssessing(tenantIds) {
        const out = new Map<string, number>();
        for (const r of rows.values()) {
          if (tenantIds.includes(r.tenantId) && r.workflowStartedAt && ['submitted', 'assessing'].includes(r.state)) {
            out.set(r.tenantId, (out.get(r.tenantId) ?? 0) + 1);
          }
        }
        return out;
      },
      async markWorkflowStarted(tenantId, id, at) {
        const row = rows.get(id);
        if (row && row.tenantId === tenantId && !row.workflowStartedAt) row.workflowStartedAt = at;
      },
    },
    events: { listForAggregate: async () => [] },
    keys: {
      async claim(tx, row): Promise<IdempotencyClaim> {
        txs.push(tx);
        const k = `${row.tenantId}|${row.scope}|${row.key}`;
        const existing = keys.get(k);
        if (!existing) {
          keys.set(k, { requestHash: row.requestHash, resourceId: row.resourceId });
          return { status: 'claimed' };
        }
        return existing.requestHash === row.requestHash
          ? { status: 'replay', resourceId: existing.resourceId }
          : { status: 'mismatch', resourceId: existing.resourceId };
      },
    },
    deviceStates: { progress: async () => [] },
    uow: {
      async transaction(fn) {
        const tx = { id: randomUUID() } as unknown as Tx;
        return fn(tx);
      },
    },
  };
  return { stores, rows, txs, inserts };
}

function fakeStarter() {
  const started: string[] = [];
  const starter: WorkflowStarter = {
    async startIntent(workflowId) {
      started.push(workflowId);
    },
    async signal() {},
    async decide() {
      throw new Error('not used');
    },
  };
  return { starter, started };
}

const silent = { info() {}, warn() {} } as unknown as Logger;
const principal = (tenantId: string): Principal => ({ tenantId, tokenId: randomUUID(), actor: 'alice', roles: ['release_engineer'] });
const input = (over: Partial<CreateIntentInput> = {}): CreateIntentInput => ({
  spec,
  idempotencyKey: 'key-0001',
  requestHash: 'h1',
  ...over,
});

describe('IntentService (in-memory repositories, no HTTP)', () => {
  it('creates once per Idempotency-Key: the same request replays, a different body under the same key conflicts', async () => {
    const { stores, rows, txs, inserts } = fakeStores();
    const { starter, started } = fakeStarter();
    const service = new IntentService(stores, starter, silent);
    const alice = principal(randomUUID());

    const first = await service.create(alice, input(), 'corr-1');
    assert.equal(first.replayed, false);
    assert.equal(first.intent.state, 'submitted');
    assert.equal(first.intent.workflowStarted, true);
    assert.equal(first.intent.correlationId, 'corr-1');
    assert.deepEqual(started, [first.intent.workflowId]);
    // The key claim and the insert ran in the same transaction.
    assert.equal(inserts.length, 1);
    assert.equal(inserts[0]!.tx, txs[0]);

    const replay = await service.create(alice, input(), 'corr-2');
    assert.equal(replay.replayed, true);
    assert.equal(replay.intent.id, first.intent.id);
    assert.equal(replay.intent.correlationId, 'corr-1', 'a replay returns the stored intent, not a new one');
    assert.equal(rows.size, 1);
    assert.equal(started.length, 1, 'an already started workflow is not started again');

    await assert.rejects(service.create(alice, input({ requestHash: 'h2' }), 'corr-3'), (err: unknown) => {
      assert.ok(isConflictError(err));
      assert.match((err as Error).message, new RegExp(`Idempotency-Key "key-0001" .* \\(intent ${first.intent.id}\\)`));
      return true;
    });
    assert.equal(rows.size, 1);
  });

  it('scopes keys, reads and lists by tenant', async () => {
    const { stores } = fakeStores();
    const service = new IntentService(stores, fakeStarter().starter, silent);
    const a = principal(randomUUID());
    const b = principal(randomUUID());

    const ofA = await service.create(a, input(), 'c');
    const ofB = await service.create(b, input(), 'c');
    assert.equal(ofB.replayed, false, "the same key in another tenant is that tenant's own");
    assert.notEqual(ofB.intent.id, ofA.intent.id);

    await assert.rejects(service.get(b, ofA.intent.id), (err: unknown) => isNotFoundError(err));
    await assert.rejects(service.timelineOf(b, ofA.intent.id), (err: unknown) => isNotFoundError(err));
    assert.equal((await service.get(a, ofA.intent.id)).id, ofA.intent.id);

    await service.create(a, input({ idempotencyKey: 'key-0002', requestHash: 'h2' }), 'c');
    const page1 = await service.list(a, { limit: 1 });
    assert.equal(page1.items.length, 1);
    assert.ok(page1.nextCursor);
    const page2 = await service.list(a, { limit: 1, cursor: page1.nextCursor! });
    assert.deepEqual(
      page2.items.map((i) => i.id),
      [ofA.intent.id],
    );
    assert.equal(page2.nextCursor, null);
    assert.deepEqual(
      (await service.list(b, { limit: 50 })).items.map((i) => i.id),
      [ofB.intent.id],
    );
  });

  it('holds the start back while the tenant is at its cap of assessing intents', async () => {
    const { stores } = fakeStores();
    const { starter, started } = fakeStarter();
    const service = new IntentService(stores, starter, silent, undefined, undefined, { maxAssessing: 1 });
    const a = principal(randomUUID());
    assert.equal((await service.create(a, input(), 'c')).intent.workflowStarted, true);
    const held = await service.create(a, input({ idempotencyKey: 'key-0002', requestHash: 'h2' }), 'c');
    assert.equal(held.intent.workflowStarted, false);
    assert.equal(started.length, 1);
  });
});
