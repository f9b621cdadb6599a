import type { Readable } from 'node:stream';
import type { KeyObject } from 'node:crypto';
import {
  GENESIS_HASH,
  signCheckpoint,
  verifyChain,
  verifyCheckpointSignature,
  type AuditCheckpoint,
  type EventEnvelope,
  type Principal,
  type PublishedKey,
} from '@eucora/core';
import type { AuditCheckpointRepository, AuditCheckpointRow, EventRepository } from '@eucora/persistence';
import { keysetPage } from './keyset-page';

/** Filter of `GET /audit/events`, parsed by the router; `from`/`to` are ISO-8601 UTC, `cursor` a previous page's `nextCursor`. */
export interface AuditEventFilter {
  aggregateType?: string;
  aggregateId?: string;
  type?: string;
  /** Inclusive lower bound of `createdAt`. */
  from?: string;
  /** Exclusive upper bound of `createdAt`. */
  to?: string;
  cursor?: string;
  /** Page size (the router allows 1..1000, default 100). */
  limit: number;
}

/** The event reads of the audit trail (`EventRepository` in production). */
export type AuditEventReader = Pick<EventRepository, 'query' | 'head' | 'pageForTenant' | 'atSeq'>;

/** Where checkpoint rows are kept (`AuditCheckpointRepository` in production). */
export type AuditCheckpointRecords = Pick<AuditCheckpointRepository, 'latest' | 'between' | 'insert' | 'tenantsDue'>;

/** The repositories the audit service reads and writes. */
export interface AuditRepositories {
  events: AuditEventReader;
  checkpointRows: AuditCheckpointRecords;
}

/** The object-locked store of checkpoint copies (a MinIO `Client` in production). */
export interface AuditCheckpointObjects {
  getObject(bucket: string, key: string, opts?: { versionId: string }): Promise<Readable>;
  putObject(bucket: string, key: string, body: Buffer, size: number, meta: Record<string, string>): Promise<{ versionId?: string | null }>;
}

type BrokenReason = 'hash_mismatch' | 'prev_hash_mismatch' | 'head_mismatch' | 'checkpoint_invalid' | 'checkpoint_mismatch';

/** Result of recomputing a tenant's chain (from its last signed checkpoint, or from genesis with `full`). */
export interface AuditVerification {
  ok: boolean;
  mode: 'incremental' | 'full';
  /** Events whose hash and link were recomputed. */
  checked: number;
  /** Tenant sequence number verification started after (0 = genesis). */
  fromSeq: string;
  /** Last verified tenant sequence number. */
  headSeq: string;
  headHash: string | null;
  /** The checkpoint verification started from (incremental) or the newest one checked (full). */
  checkpoint: { tenantSeq: string; headHash: string; createdAt: string; keyId: string } | null;
  /** Written after a successful verify when the head moved past the last checkpoint. */
  newCheckpoint: { tenantSeq: string; headHash: string; objectKey: string } | null;
  firstBroken?: { seq: string; eventId: string; reason: BrokenReason; detail?: string };
}

/** A tenant whose chain failed the periodic verify. */
export interface BrokenTenant {
  tenantId: string;
  firstBroken: AuditVerification['firstBroken'];
}

/** Signing and WORM storage of checkpoints; absent (no keyring or store) → verify still works, no checkpoints written. */
export interface AuditCheckpointSink {
  minio: AuditCheckpointObjects;
  bucket: string;
  /** The active evidence key and every published key, re-read per call so rotations apply. */
  keys: () => { active: { keyId: string; privateKey: KeyObject }; published: PublishedKey[] } | null;
}

/** Options of the audit service. */
export interface AuditServiceOptions {
  checkpoints?: AuditCheckpointSink;
  /** Events per keyset page of a verify; default 5000. Memory is bounded by one page. */
  pageSize?: number;
  /** Events hashed between two yields to the event loop; default 250 (a few ms of CPU). */
  hashChunk?: number;
}

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

const cpView = (c: AuditCheckpoint) => ({ tenantSeq: c.tenantSeq, headHash: c.headHash, createdAt: c.createdAt, keyId: c.keyId });
// Yields to the event loop between pages so a long verify never blocks other requests for more than one page.
const yieldToLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Reads and verifies the append-only, hash-chained audit trail of the caller's tenant. */
export class AuditService {
  private readonly events: AuditEventReader;
  private readonly checkpointRows: AuditCheckpointRecords;
  private readonly pageSize: number;
  private readonly hashChunk: number;

  constructor(
    repos: AuditRepositories,
    private readonly opts: AuditServiceOptions = {},
  ) {
    this.events = repos.events;
    this.checkpointRows = repos.checkpointRows;
    this.pageSize = opts.pageSize ?? 5000;
    this.hashChunk = opts.hashChunk ?? 250;
  }

  /** One page of the caller's events in chain order; `nextCursor` is null on the last page. */
  async query(
    principal: Principal,
    f: AuditEventFilter,
  ): Promise<{ items: (EventEnvelope & { seq: string })[]; nextCursor: string | null }> {
    const rows = await this.events.query(principal.tenantId, {
      aggregateType: f.aggregateType,
      aggregateId: f.aggregateId,
      eventType: f.type,
      from: f.from,
      to: f.to,
      afterSeq: f.cursor,
      limit: f.limit + 1,
    });
    const { page, next } = keysetPage(rows, f.limit, (last) => last.seq);
    return { items: page.map((r) => ({ ...r.event, seq: r.seq })), nextCursor: next };
  }

  /** `GET /audit/verify[?full=true]`: incremental from the last signed checkpoint by default, the whole chain with full. */
  async verify(principal: Principal, opts: { full: boolean } = { full: false }): Promise<AuditVerification> {
    return this.verifyTenant(principal.tenantId, opts.full);
  }

  /**
   * Checkpoints every tenant whose chain grew by `minNew` events since its last checkpoint. Each is verified first: a
   * broken chain is never signed, and is reported (tenant and first broken link) for the caller to log. `onlyTenants`
   * limits the run to those tenants (default: all).
   */
  async checkpointDue(minNew: number, onlyTenants?: string[]): Promise<{ written: number; broken: BrokenTenant[] }> {
    let written = 0;
    const broken: BrokenTenant[] = [];
    for (const tenantId of await this.checkpointRows.tenantsDue(minNew, onlyTenants)) {
      const v = await this.verifyTenant(tenantId, false);
      if (v.newCheckpoint) written++;
      if (!v.ok) broken.push({ tenantId, firstBroken: v.firstBroken });
    }
    return { written, broken };
  }

  /**
   * Walks the chain in keyset pages. Incremental: the last checkpoint's signature and WORM copy are checked, the event at
   * its sequence must carry its hash, and the walk starts there. Full: from genesis, and every checkpoint passed on the way
   * must match the recomputed chain (so a rewrite of the whole prefix with fresh hashes is caught by the signed heads).
   */
  async verifyTenant(tenantId: string, full: boolean): Promise<AuditVerification> {
    const mode = full ? 'full' : 'incremental';
    // Without the signing keys a checkpoint cannot be checked, so none is trusted: the walk starts at genesis.
    const latest = this.opts.checkpoints ? await this.checkpointRows.latest(tenantId) : null;
    // The head first: appends during a long walk then lie beyond it and are not mistaken for a broken head.
    const head = await this.events.head(tenantId);
    const upto = head ? String(head.eventCount) : '0';
    const base = { mode, checkpoint: latest ? cpView(latest) : null, newCheckpoint: null } as const;
    type Broken = (
      seq: string,
      eventId: string,
      reason: BrokenReason,
      checked: number,
      fromSeq: string,
      detail?: string,
    ) => AuditVerification;
    const broken: Broken = (seq, eventId, reason, checked, fromSeq, detail) => ({
      ok: false,
      ...base,
      checked,
      fromSeq,
      headSeq: seq,
      headHash: null,
      firstBroken: { seq, eventId, reason, ...(detail ? { detail } : {}) },
    });
    if (latest) {
      const problem = await this.checkpointProblem(latest);
      if (problem) return broken(latest.tenantSeq, '', 'checkpoint_invalid', 0, '0', problem);
    }
    let after = '0';
    let prev = GENESIS_HASH;
    if (!full && latest) {
      const at = await this.events.atSeq(tenantId, latest.tenantSeq);
      if (!at || at.hash !== latest.headHash) {
        const detail = 'the event at the checkpoint does not carry the signed hash';
        return broken(latest.tenantSeq, at?.eventId ?? '', 'checkpoint_mismatch', 0, latest.tenantSeq, detail);
      }
      after = latest.tenantSeq;
      prev = latest.headHash;
    }
    const fromSeq = after;
    let checked = 0;
    let lastEventId = '';
    for (;;) {
      const page = await this.events.pageForTenant(tenantId, after, this.pageSize, upto);
      if (page.length === 0) break;
      let pagePrev = prev;
      let pageChecked = 0;
      for (let i = 0; i < page.length; i += this.hashChunk) {
        const chain = verifyChain(page.slice(i, i + this.hashChunk), pagePrev);
        if (chain.firstBroken) {
          const at = page.find((e) => e.eventId === chain.firstBroken!.eventId)!;
          return broken(at.seq, at.eventId, chain.firstBroken.reason, checked + pageChecked + chain.checked, fromSeq);
        }
        pagePrev = chain.lastHash;
        pageChecked += chain.checked;
        await yieldToLoop();
      }
      if (full) {
        const published = this.opts.checkpoints?.keys()?.published ?? [];
        for (const cp of await this.checkpointRows.between(tenantId, after, page.at(-1)!.seq)) {
          const at = page.find((e) => e.seq === cp.tenantSeq);
          if (!verifyCheckpointSignature(cp, cp.signature, published)) {
            return broken(cp.tenantSeq, at?.eventId ?? '', 'checkpoint_invalid', checked, fromSeq, 'checkpoint signature does not verify');
          }
          if (!at || at.hash !== cp.headHash) {
            const detail = 'the chain was rewritten before this signed checkpoint';
            return broken(cp.tenantSeq, at?.eventId ?? '', 'checkpoint_mismatch', checked, fromSeq, detail);
          }
        }
      }
      checked += pageChecked;
      prev = pagePrev;
      after = page.at(-1)!.seq;
      lastEventId = page.at(-1)!.eventId;
      if (page.length < this.pageSize) break;
    }
    if (head && (head.lastHash !== prev || upto !== after)) {
      // Events were removed from the end (or the head was edited): the stored head no longer matches the chain.
      return broken(after, lastEventId, 'head_mismatch', checked, fromSeq);
    }
    const result: AuditVerification = { ok: true, ...base, checked, fromSeq, headSeq: after, headHash: after === '0' ? null : prev };
    if (after !== '0' && after !== (latest?.tenantSeq ?? '0')) result.newCheckpoint = await this.writeCheckpoint(tenantId, after, prev);
    return result;
  }

  /** Why the stored checkpoint cannot be trusted (bad signature, WORM copy missing or different), or null. */
  private async checkpointProblem(cp: AuditCheckpointRow): Promise<string | null> {
    const sink = this.opts.checkpoints;
    if (!sink) return null;
    if (!verifyCheckpointSignature(cp, cp.signature, sink.keys()?.published ?? [])) return 'checkpoint signature does not verify';
    try {
      const stream = await sink.minio.getObject(sink.bucket, cp.objectKey, cp.versionId ? { versionId: cp.versionId } : undefined);
      const body = JSON.parse((await readAll(stream)).toString('utf8')) as { checkpoint?: AuditCheckpoint; signature?: string };
      const same =
        body.signature === cp.signature && body.checkpoint?.headHash === cp.headHash && body.checkpoint?.tenantSeq === cp.tenantSeq;
      return same ? null : 'the WORM copy of the checkpoint differs from the database row';
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      return `the WORM copy of the checkpoint cannot be read (${typeof code === 'string' ? code.slice(0, 64) : 'error'})`;
    }
  }

  /** Signs the verified head, stores it object-locked, then records it; a failure leaves verify's answer unchanged. */
  private async writeCheckpoint(tenantId: string, tenantSeq: string, headHash: string): Promise<AuditVerification['newCheckpoint']> {
    const sink = this.opts.checkpoints;
    const keys = sink?.keys();
    if (!sink || !keys) return null;
    try {
      const cp: AuditCheckpoint = { tenantId, tenantSeq, headHash, createdAt: new Date().toISOString(), keyId: keys.active.keyId };
      const signature = signCheckpoint(cp, keys.active.privateKey);
      const objectKey = `audit-checkpoints/${tenantId}/${tenantSeq.padStart(20, '0')}.json`;
      const body = Buffer.from(`${JSON.stringify({ checkpoint: cp, signature })}\n`);
      const put = await sink.minio.putObject(sink.bucket, objectKey, body, body.length, { 'Content-Type': 'application/json' });
      await this.checkpointRows.insert({ ...cp, signature, objectKey, versionId: put.versionId ?? null });
      return { tenantSeq, headHash, objectKey };
    } catch {
      return null;
    }
  }
}
