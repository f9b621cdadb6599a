import { proxyActivities, sleep } from '@temporalio/workflow';
import type { BenchActivities } from './bench.activities';

const { noop } = proxyActivities<BenchActivities>({ startToCloseTimeout: '30 seconds' });

/** Shape of the bare loop: activities before the rings, per ring, after, and the poll sleep per ring. */
export interface BareRingLoopInput {
  before: number;
  perRing: number;
  after: number;
  rings: number;
  sleepMs: number;
}

/**
 * The ring loop with nothing in it: the same number of activities and timers as a DeploymentIntent run, each a no-op.
 * `npm run bench:workflow` compares the real workflow with this to show what our activities cost over Temporal itself.
 */
export async function bareRingLoopWorkflow(input: BareRingLoopInput): Promise<number> {
  let n = 0;
  for (let i = 0; i < input.before; i++) n += await noop(n);
  for (let r = 0; r < input.rings; r++) {
    for (let i = 0; i < input.perRing; i++) n += await noop(n);
    await sleep(input.sleepMs);
  }
  for (let i = 0; i < input.after; i++) n += await noop(n);
  return n;
}
