import type { NextFunction, Request, Response } from 'express';

/** Faults a simulator can inject; changed at run time through `POST /_sim/faults`. */
export interface FaultConfig {
  /** Every plane call fails (status `failStatus`, default 503). */
  outage: boolean;
  /** Extra latency per call, ms (above the client timeout = a hang). */
  latencyMs: number;
  /** The next N calls fail with `failStatus`. */
  failNext: number;
  /** Status of injected failures; default 503. */
  failStatus: number;
  /** Share (0–1) of calls that fail at random with `failStatus`. */
  errorRate: number;
  /** The next N calls answer 429 with `Retry-After: retryAfterSeconds`. */
  throttleNext: number;
  retryAfterSeconds: number;
}

export const defaultFaults = (): FaultConfig => ({
  outage: false,
  latencyMs: 0,
  failNext: 0,
  failStatus: 503,
  errorRate: 0,
  throttleNext: 0,
  retryAfterSeconds: 1,
});

/** Request counters every simulator exposes at `/_sim/stats`. */
export interface RequestStats {
  requests: number;
  requestsByRoute: Record<string, number>;
}

/**
 * Express middleware that counts requests and injects the configured faults before the plane's own routes run.
 * `render` writes a failure in the plane's own error format.
 */
export function faultMiddleware(
  faults: FaultConfig,
  stats: RequestStats,
  render: (res: Response, status: number, message: string) => void,
) {
  return async (req: Request, res: Response, next: NextFunction) => {
    stats.requests++;
    const route = `${req.method} ${req.path.replace(/\/\d+(?=\/|$)/g, '/{id}').replace(/[0-9a-f]{8}-[0-9a-f-]{27}/g, '{id}')}`;
    stats.requestsByRoute[route] = (stats.requestsByRoute[route] ?? 0) + 1;
    if (faults.latencyMs > 0) await new Promise((r) => setTimeout(r, faults.latencyMs));
    if (faults.outage) return render(res, faults.failStatus >= 500 ? faults.failStatus : 503, 'Service unavailable (simulated outage)');
    if (faults.throttleNext > 0) {
      faults.throttleNext--;
      res.setHeader('Retry-After', String(faults.retryAfterSeconds));
      return render(res, 429, 'Too many requests');
    }
    if (faults.failNext > 0 || (faults.errorRate > 0 && Math.random() < faults.errorRate)) {
      if (faults.failNext > 0) faults.failNext--;
      return render(res, faults.failStatus, `Injected fault (${faults.failStatus})`);
    }
    next();
  };
}
