// bench:audit — cost of GET /audit/verify on a large tenant: the old single-query whole-chain verify (baseline) beside the
// paged full verify (?full=true) and the default incremental verify from the last signed checkpoint, with the largest
// event-loop delay (perf_hooks.monitorEventLoopDelay) seen while each runs: what other API requests would wait.
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { chainEvent, loadServiceConfig, verifyChain } from '@eucora/core';
import { createDataSource, EventRepository } from '@eucora/persistence';
import { createMinioClient, loadKeyring } from '@eucora/runtime';
import { AuditService, auditStores, bootstrapStores, createTenantWithAdmin } from '@eucora/api';
import { writeReport } from './bench-support';
import type { DataSource } from 'typeorm';

const EVENTS = Number(process.env.BENCH_AUDIT_EVENTS ?? 200_000);
const NEW_EVENTS = Number(process.env.BENCH_AUDIT_NEW_EVENTS ?? 1000);
const BATCH = 2000;
const ROUNDS = Number(process.env.BENCH_AUDIT_ROUNDS ?? 3);

/** Appends `n` chained events to the tenant's chain with multi-row INSERTs (as the owner: a fixture, not the app path). */
async function appendBulk(su: DataSource, tenantId: string, n: number): Promise<void> {
  const [head] = await su.query(`SELECT last_hash, event_count FROM event_chain_heads WHERE tenant_id = $1`, [tenantId]);
  let prev: string = head.last_hash;
  let seq = BigInt(head.event_count);
  const t0 = Date.now();
  for (let done = 0; done < n; done += BATCH) {
    const values: unknown[] = [];
    const rows: string[] = [];
    for (let i = 0; i < Math.min(BATCH, n - done); i++) {
      seq++;
      const e = chainEvent(
        {
          eventId: randomUUID(),
          tenantId,
          aggregateType: 'deployment_intent',
          aggregateId: randomUUID(),
          eventType: 'ring.progress',
          actor: 'system',
          reason: `bench event ${seq}`,
          data: { ring: Number(seq % 5n), succeeded: Number(seq % 97n), failed: 0 },
          correlationId: randomUUID(),
          createdAt: new Date(t0 + Number(seq)).toISOString(),
        },
        prev,
      );
      prev = e.hash;
      const b = values.length;
      rows.push(`(${Array.from({ length: 15 }, (_, k) => `$${b + k + 1}`).join(',')})`);
      values.push(e.eventId, e.tenantId, e.aggregateType, e.aggregateId, e.eventType, e.actor, e.reason, JSON.stringify(e.data));
      values.push(e.correlationId, e.createdAt, e.schemaVersion, e.prevHash, e.hash, `bench-${seq}`, String(seq));
    }
    await su.query(
      `INSERT INTO events (event_id, tenant_id, aggregate_type, aggregate_id, event_type, actor, reason, data, correlation_id,
         created_at, schema_version, prev_hash, hash, dedupe_key, tenant_seq) VALUES ${rows.join(',')}`,
      values,
    );
  }
  await su.query(`UPDATE event_chain_heads SET last_hash = $2, event_count = $3 WHERE tenant_id = $1`, [tenantId, prev, String(seq)]);
}

type Measured<T> = { result: T; ms: number; maxLoopDelayMs: number; p99LoopDelayMs: number; maxTickGapMs: number };

/**
 * Runs `fn`, returning its result, wall time, the largest event-loop delay (perf_hooks histogram) and the longest gap
 * between two ticks of a 5 ms interval (what a request arriving meanwhile would wait, measured a second way).
 */
async function measure<T>(fn: () => Promise<T>): Promise<Measured<T>> {
  const h = monitorEventLoopDelay({ resolution: 5 });
  h.enable();
  let last = performance.now();
  let maxGap = 0;
  const ticker = setInterval(() => {
    const now = performance.now();
    maxGap = Math.max(maxGap, now - last);
    last = now;
  }, 5);
  const t = process.hrtime.bigint();
  const result = await fn();
  const ms = Number(process.hrtime.bigint() - t) / 1e6;
  clearInterval(ticker);
  maxGap = Math.max(maxGap, performance.now() - last);
  h.disable();
  const toMs = (ns: number) => Math.round(ns / 1e6);
  return {
    result,
    ms: Math.round(ms),
    maxLoopDelayMs: toMs(h.max),
    p99LoopDelayMs: toMs(h.percentile(99)),
    maxTickGapMs: Math.round(maxGap),
  };
}

async function main(): Promise<void> {
  const config = loadServiceConfig(process.env);
  const su = createDataSource({ url: process.env.EUCORA_TEST_SUPERUSER_URL!, poolSize: 2, applicationName: 'bench-audit-fixture' });
  const ds = createDataSource({ url: config.DATABASE_URL, poolSize: 4, applicationName: 'bench-audit' });
  await Promise.all([su.initialize(), ds.initialize()]);
  try {
    const t = await createTenantWithAdmin(bootstrapStores(ds), `bench-${randomUUID().slice(0, 8)}`, 'Audit bench');
    const fill = Date.now();
    await appendBulk(su, t.tenantId, EVENTS);
    const total = EVENTS + 1;
    process.stdout.write(`[bench] ${total} events in one tenant's chain (fixture ${((Date.now() - fill) / 1000).toFixed(1)} s)\n`);
    const keyFile = config.EVIDENCE_SIGNING_KEY_FILE!;
    const sink = { minio: createMinioClient(config), bucket: config.S3_BUCKET, keys: () => loadKeyring(keyFile) };
    const audit = new AuditService(auditStores(ds), { checkpoints: sink });
    const events = new EventRepository(ds);

    // Baseline: the verify before this change (one query for the whole chain, then one synchronous hash loop).
    // Alternating rounds so neither side always runs on colder caches; the report keeps every round and the median.
    const rounds: { baseline: Measured<{ ok: boolean }>; full: Measured<{ ok: boolean; checked: number }> }[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      const b = await measure(async () => verifyChain(await events.listForTenant(t.tenantId)));
      const f = await measure(() => audit.verifyTenant(t.tenantId, true));
      if (!b.result.ok || !f.result.ok || f.result.checked !== total) throw new Error('bench chain did not verify');
      rounds.push({ baseline: b, full: f });
    }
    const mid = <T extends { ms: number }>(xs: T[]): T => [...xs].sort((x, y) => x.ms - y.ms)[Math.floor(xs.length / 2)]!;
    const baseline = mid(rounds.map((r) => r.baseline));
    const full = mid(rounds.map((r) => r.full));
    const idle = await measure(() => audit.verifyTenant(t.tenantId, false));
    await appendBulk(su, t.tenantId, NEW_EVENTS);
    const incremental = await measure(() => audit.verifyTenant(t.tenantId, false));
    if (!incremental.result.ok || incremental.result.checked !== NEW_EVENTS) {
      throw new Error('incremental verify did not check the new events only');
    }

    const report = {
      events: total,
      loadAverage1m: os.loadavg()[0],
      rounds: rounds.map((r) => ({
        baselineMs: r.baseline.ms,
        baselineMaxTickGapMs: r.baseline.maxTickGapMs,
        fullMs: r.full.ms,
        fullMaxTickGapMs: r.full.maxTickGapMs,
      })),
      baselineSingleQuery: { ...baseline, result: undefined },
      fullPaged: { ...full, result: undefined, checked: total },
      incrementalNoNewEvents: { ms: idle.ms, checked: idle.result.checked },
      incrementalAfterNewEvents: {
        ms: incremental.ms,
        maxLoopDelayMs: incremental.maxLoopDelayMs,
        checked: incremental.result.checked,
        fromSeq: incremental.result.fromSeq,
      },
    };
    process.stdout.write(
      [
        `[bench] median of ${ROUNDS} alternating rounds (each: ${rounds.map((r) => `${r.baseline.ms}/${r.full.ms}`).join(', ')} ms)`,
        `[bench] baseline (single query + sync loop): ${baseline.ms} ms, max event-loop delay ${baseline.maxLoopDelayMs} ms, ` +
          `longest tick gap ${baseline.maxTickGapMs} ms`,
        `[bench] full verify (paged, yields):         ${full.ms} ms, max event-loop delay ${full.maxLoopDelayMs} ms ` +
          `(p99 ${full.p99LoopDelayMs} ms), longest tick gap ${full.maxTickGapMs} ms`,
        `[bench] incremental, 0 new events:           ${idle.ms} ms`,
        `[bench] incremental, ${NEW_EVENTS} new events:        ${incremental.ms} ms, max event-loop delay ${incremental.maxLoopDelayMs} ms`,
        `[bench] report ${writeReport('audit', report)}`,
        '',
      ].join('\n'),
    );
  } finally {
    await Promise.all([su.destroy(), ds.destroy()]);
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  },
);
