import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { chainEvent, GENESIS_HASH, type EventEnvelope, type Principal } from '@eucora/core';
import type { AuditCheckpointRow } from '@eucora/persistence';
import { testSigningKey } from '../testing/signing-key';
import { AuditService, type AuditCheckpointObjects, type AuditCheckpointRecords, type AuditEventReader } from './audit.service';

// Unit tier: the chain walk, paging and checkpoints over in-memory fakes of the repositories and the WORM store.

type Seqd = EventEnvelope & { seq: string };
const principal: Principal = { tenantId: randomUUID(), tokenId: randomUUID(), actor: 'auditor', roles: ['auditor'] };
const { privateKey, keyId, published } = testSigningKey();

class FakeEvents implements AuditEventReader {
  readonly rows: Seqd[] = [];
  /** The stored head; `append` moves it, a test may edit it. */
  headRow: { lastHash: string; eventCount: number } | null = null;
  append(n: number): void {
    for (let i = 0; i < n; i++) {
      const seq = this.rows.length + 1;
      const e = chainEvent(
        {
          eventId: randomUUID(),
          tenantId: principal.tenantId,
          aggregateType: 'intent',
          aggregateId: `i${seq % 2}`,
          eventType: `t${seq % 3}`,
          actor: 'a',
          reason: 'r',
          data: { seq },
          correlationId: randomUUID(),
          createdAt: new Date(Date.UTC(2025, 0, 1, 0, 0, seq)).toISOString(),
        },
        this.rows.at(-1)?.hash ?? GENESIS_HASH,
      );
      this.rows.push({ ...e, seq: String(seq) });
      this.headRow = { lastHash: e.hash, eventCount: seq };
    }
  }
  async query(tenantId: string, f: Parameters<AuditEventReader['query']>[1]) {
    return this.rows
      .filter((e) => e.tenantId === tenantId && (!f.eventType || e.eventType === f.eventType))
      .filter((e) => !f.afterSeq || Number(e.seq) > Number(f.afterSeq))
      .slice(0, f.limit)
      .map((e) => ({ seq: e.seq, event: (({ seq: _seq, ...ev }) => ev)(e) }));
  }
  async head(tenantId: string) {
    return tenantId === principal.tenantId ? this.headRow : null;
  }
  async pageForTenant(tenantId: string, afterSeq: string, limit: number, uptoSeq = '9223372036854775807') {
    const inRange = (e: Seqd) => Number(e.seq) > Number(afterSeq) && Number(e.seq) <= Number(uptoSeq);
    return this.rows.filter((e) => e.tenantId === tenantId && inRange(e)).slice(0, limit);
  }
  async atSeq(tenantId: string, tenantSeq: string) {
    return this.rows.find((e) => e.tenantId === tenantId && e.seq === tenantSeq) ?? null;
  }
}

class FakeCheckpoints implements AuditCheckpointRecords {
  readonly rows: AuditCheckpointRow[] = [];
  async latest(tenantId: string) {
    return this.rows.filter((r) => r.tenantId === tenantId).at(-1) ?? null;
  }
  async between(tenantId: string, afterSeq: string, uptoSeq: string) {
    const inRange = (r: AuditCheckpointRow) => Number(r.tenantSeq) > Number(afterSeq) && Number(r.tenantSeq) <= Number(uptoSeq);
    return this.rows.filter((r) => r.tenantId === tenantId && inRange(r));
  }
  async insert(row: AuditCheckpointRow) {
    this.rows.push(row);
  }
  async tenantsDue() {
    return [principal.tenantId];
  }
}

class FakeWorm implements AuditCheckpointObjects {
  readonly objects = new Map<string, Buffer>();
  async getObject(_bucket: string, key: string) {
    const body = this.objects.get(key);
    if (!body) throw Object.assign(new Error('gone'), { code: 'NoSuchKey' });
    return Readable.from([body]);
  }
  async putObject(_bucket: string, key: string, body: Buffer) {
    this.objects.set(key, body);
    return { versionId: `v-${key}` };
  }
}

function setup(n: number, withSink = true) {
  const events = new FakeEvents();
  events.append(n);
  const checkpointRows = new FakeCheckpoints();
  const worm = new FakeWorm();
  const keys = () => ({ active: { keyId, privateKey }, published });
  const checkpoints = withSink ? { minio: worm, bucket: 'evidence', keys } : undefined;
  const audit = new AuditService({ events, checkpointRows }, { checkpoints, pageSize: 3, hashChunk: 2 });
  return { events, checkpointRows, worm, audit };
}

describe('AuditService (in-memory fakes)', () => {
  it('full verify walks every page, signs and stores a checkpoint; the next incremental verify starts there', async () => {
    const { audit, events, checkpointRows, worm } = setup(7);
    const full = await audit.verify(principal, { full: true });
    assert.equal(full.ok, true, JSON.stringify(full));
    assert.deepEqual([full.mode, full.checked, full.fromSeq, full.headSeq, full.headHash], ['full', 7, '0', '7', events.rows[6]!.hash]);
    assert.equal(full.newCheckpoint?.tenantSeq, '7');
    assert.equal(checkpointRows.rows.length, 1);
    assert.ok(worm.objects.has(full.newCheckpoint!.objectKey));
    events.append(2);
    const inc = await audit.verify(principal);
    assert.equal(inc.ok, true, JSON.stringify(inc));
    assert.deepEqual([inc.mode, inc.checked, inc.fromSeq, inc.headSeq, inc.checkpoint?.tenantSeq], ['incremental', 2, '7', '9', '7']);
    assert.equal(inc.newCheckpoint?.tenantSeq, '9');
  });

  it('without a checkpoint sink: verifies from genesis and writes nothing', async () => {
    const { audit, checkpointRows } = setup(4, false);
    const v = await audit.verify(principal);
    assert.deepEqual([v.ok, v.checked, v.fromSeq, v.newCheckpoint], [true, 4, '0', null]);
    assert.equal(checkpointRows.rows.length, 0);
  });

  it('an edited event is the first broken link (hash_mismatch at its seq)', async () => {
    const { audit, events } = setup(8);
    events.rows[4] = { ...events.rows[4]!, data: { seq: 'edited' } };
    const v = await audit.verify(principal, { full: true });
    assert.equal(v.ok, false);
    assert.deepEqual(v.firstBroken, { seq: '5', eventId: events.rows[4]!.eventId, reason: 'hash_mismatch' });
    assert.equal(v.newCheckpoint, null);
  });

  it('events removed from the end: head_mismatch', async () => {
    const { audit, events } = setup(6);
    events.rows.pop();
    const v = await audit.verify(principal, { full: true });
    assert.equal(v.ok, false);
    assert.equal(v.firstBroken?.reason, 'head_mismatch');
  });

  it('a WORM copy that differs from the checkpoint row: checkpoint_invalid, and checkpointDue reports the tenant as broken', async () => {
    const { audit, events, worm } = setup(5);
    const first = await audit.verify(principal);
    worm.objects.set(first.newCheckpoint!.objectKey, Buffer.from('{"checkpoint":{},"signature":"x"}'));
    events.append(1);
    const v = await audit.verify(principal);
    assert.equal(v.ok, false);
    assert.equal(v.firstBroken?.reason, 'checkpoint_invalid');
    assert.equal(v.firstBroken?.detail, 'the WORM copy of the checkpoint differs from the database row');
    const due = await audit.checkpointDue(1);
    assert.deepEqual([due.written, due.broken.map((b) => b.tenantId)], [0, [principal.tenantId]]);
  });

  it('query pages in chain order with nextCursor', async () => {
    const { audit } = setup(5);
    const p1 = await audit.query(principal, { limit: 2 });
    assert.deepEqual([p1.items.map((e) => e.seq), p1.nextCursor], [['1', '2'], '2']);
    const p3 = await audit.query(principal, { limit: 2, cursor: '4' });
    assert.deepEqual([p3.items.map((e) => e.seq), p3.nextCursor], [['5'], null]);
  });
});
