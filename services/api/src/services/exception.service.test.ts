import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { isConflictError, isInputError, isNotAllowedError, isNotFoundError, type Principal } from '@eucora/core';
import type { AppendEvent, ExceptionRow, Tx } from '@eucora/persistence';
import { ExceptionService, type ExceptionRequestInput, type ExceptionStores } from './exception.service';

// ExceptionService without HTTP or a database: in-memory repositories and a fixed clock.

const NOW = new Date('2026-03-01T12:00:00Z');
const DAY = 86_400_000;

function fakeStores() {
  const rows = new Map<string, ExceptionRow & { tenantId: string }>();
  const events: { event: AppendEvent; tx: Tx | undefined }[] = [];
  const decided: { id: string; tx: Tx | undefined }[] = [];
  const inserted: { id: string; tx: Tx | undefined }[] = [];
  let seq = 0;
  const strip = ({ tenantId: _t, ...row }: ExceptionRow & { tenantId: string }): ExceptionRow => ({ ...row });
  const stores: ExceptionStores = {
    exceptions: {
      async insert(tenantId, e, tx) {
        inserted.push({ id: e.id, tx });
        const createdAt = new Date(NOW.getTime() + seq++ * 1000).toISOString();
        const row = { ...e, tenantId, status: 'pending' as const, decidedBy: null, decidedAt: null, decisionComment: null, createdAt };
        rows.set(row.id, row);
        return strip(row);
      },
      async findById(tenantId, id) {
        const row = rows.get(id);
        return row && row.tenantId === tenantId ? strip(row) : null;
      },
      async list(tenantId, f) {
        const mine = [...rows.values()]
          .filter((r) => r.tenantId === tenantId && (!f.status || r.status === f.status))
          .sort((a, b) => b.createdAt.localeCompare(a.createdAt));
        const start = f.afterId ? mine.findIndex((r) => r.id === f.afterId) + 1 : 0;
        return mine.slice(start, start + f.limit).map(strip);
      },
      async decide(tenantId, id, status, by, comment, tx) {
        decided.push({ id, tx });
        const row = rows.get(id);
        if (!row || row.tenantId !== tenantId || row.status !== 'pending') return null;
        Object.assign(row, { status, decidedBy: by, decidedAt: NOW.toISOString(), decisionComment: comment });
        return strip(row);
      },
    },
    events: {
      async append(event, tx) {
        events.push({ event: event as AppendEvent, tx });
        return { event: {} as never, duplicate: false };
      },
    },
    uow: { transaction: async (fn) => fn({ id: randomUUID() } as unknown as Tx) },
  };
  return { stores, rows, events, decided, inserted };
}

const principal = (tenantId: string, actor: string): Principal => ({
  tenantId,
  tokenId: randomUUID(),
  actor,
  roles: ['security_reviewer'],
});
const request = (over: Partial<ExceptionRequestInput> = {}): ExceptionRequestInput => ({
  packageName: 'openssl',
  findingIds: ['CVE-2026-0001', 'CVE-2026-0001', 'CVE-2026-0002'],
  compensatingControls: 'WAF rule blocks the vulnerable endpoint',
  justification: 'Vendor fix scheduled for next sprint',
  expiresAt: new Date(NOW.getTime() + 30 * DAY).toISOString(),
  ...over,
});

describe('ExceptionService (in-memory repositories, no HTTP)', () => {
  it('checks the expiry window against its clock and records the request with its event in one transaction', async () => {
    const { stores, events, inserted } = fakeStores();
    const service = new ExceptionService(stores, () => NOW);
    const rel = principal(randomUUID(), 'rel');
    for (const [expiresAt, message] of [
      [new Date(NOW.getTime() - 1000).toISOString(), 'must be in the future'],
      [new Date(NOW.getTime() + 366 * DAY).toISOString(), 'must be within 365 days'],
    ] as const) {
      await assert.rejects(service.create(rel, request({ expiresAt }), 'c'), (err: unknown) => {
        assert.ok(isInputError(err));
        assert.deepEqual(err.issues, [{ path: 'expiresAt', message }]);
        return true;
      });
    }
    const row = await service.create(rel, request(), 'corr-1');
    assert.deepEqual(row.findingIds, ['CVE-2026-0001', 'CVE-2026-0002']);
    assert.equal(row.status, 'pending');
    assert.equal(events.length, 1);
    assert.equal(events[0]!.event.eventType, 'exception.requested');
    assert.equal(events[0]!.event.correlationId, 'corr-1');
    assert.equal(inserted.length, 1);
    assert.ok(inserted[0]!.tx !== undefined && inserted[0]!.tx === events[0]!.tx, 'insert and event share the transaction');
  });

  it('a decision needs another person, commits with its event in one transaction, and happens once', async () => {
    const { stores, events, decided } = fakeStores();
    const service = new ExceptionService(stores, () => NOW);
    const tenantId = randomUUID();
    const rel = principal(tenantId, 'rel');
    const row = await service.create(rel, request(), 'c');

    await assert.rejects(service.decide(rel, row.id, 'approved', {}, 'c'), (err: unknown) => isNotAllowedError(err));
    const otherTenant = principal(randomUUID(), 'sec');
    await assert.rejects(service.decide(otherTenant, row.id, 'approved', {}, 'c'), (err: unknown) => isNotFoundError(err));

    const sec = principal(tenantId, 'sec');
    const approved = await service.decide(sec, row.id, 'approved', { comment: 'ok until the fix' }, 'corr-2');
    assert.equal(approved.status, 'approved');
    const decision = events.at(-1)!;
    assert.equal(decision.event.eventType, 'exception.approved');
    assert.equal(decision.event.reason, 'Exception approved by sec: ok until the fix');
    assert.ok(decision.tx, 'the event joins a transaction');
    assert.equal(decision.tx, decided.at(-1)!.tx, 'the decision and its event share the transaction');

    await assert.rejects(service.decide(principal(tenantId, 'sec2'), row.id, 'rejected', {}, 'c'), (err: unknown) => {
      assert.ok(isConflictError(err));
      assert.match((err as Error).message, /is already approved/);
      return true;
    });
  });

  it('lists the tenant only, newest first, with `effective` and a cursor', async () => {
    const { stores, rows } = fakeStores();
    const service = new ExceptionService(stores, () => NOW);
    const tenantId = randomUUID();
    const rel = principal(tenantId, 'rel');
    const first = await service.create(rel, request(), 'c');
    const second = await service.create(rel, request({ packageName: 'zlib' }), 'c');
    await service.create(principal(randomUUID(), 'other'), request(), 'c');
    await service.decide(principal(tenantId, 'sec'), first.id, 'approved', {}, 'c');

    const page1 = await service.list(rel, { limit: 1 });
    assert.deepEqual(
      page1.items.map((i) => [i.id, i.effective]),
      [[second.id, false]],
    );
    assert.equal(page1.nextCursor, second.id);
    const page2 = await service.list(rel, { limit: 1, cursor: page1.nextCursor! });
    assert.deepEqual(
      page2.items.map((i) => [i.id, i.effective]),
      [[first.id, true]],
    );
    assert.equal(page2.nextCursor, null);

    // Approved but past its expiry: listed, no longer effective.
    rows.get(first.id)!.expiresAt = new Date(NOW.getTime() - 1).toISOString();
    assert.equal((await service.list(rel, { status: 'approved', limit: 50 })).items[0]!.effective, false);
  });
});
