// Ring arithmetic shared by the workflow and the connectors. Kept free of imports so workflow code can load it
// (`@eucora/core/dist/intents/ring-verdict`) without pulling Node built-ins into the workflow bundle.

/** Per-device counts of one ring. */
export interface RingCounts {
  targeted: number;
  succeeded: number;
  failed: number;
  pending: number;
  notApplicable: number;
}

/** Success ratio in percent (integer arithmetic, floor) among applicable devices; 0 when none is applicable. */
export function successPercent(c: RingCounts): number {
  const applicable = c.targeted - c.notApplicable;
  return applicable <= 0 ? 0 : Math.floor((c.succeeded * 100) / applicable);
}

/** Success when succeeded/applicable ≥ threshold; failure when failed/applicable > 1 − threshold; else still pending. */
export function ringVerdict(c: RingCounts, threshold: number): 'success' | 'failure' | 'pending' {
  const applicable = c.targeted - c.notApplicable;
  if (applicable <= 0) return 'pending';
  if (c.failed * 100 > (100 - threshold) * applicable) return 'failure';
  if (c.succeeded * 100 >= threshold * applicable) return 'success';
  return 'pending';
}
