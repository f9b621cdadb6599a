import { PRODUCT_VERSION } from '@eucora/core';

/** One dependency the health endpoint probes. */
export interface DependencyCheck {
  /** Name shown in the report, e.g. `database`. */
  name: string;
  /** Resolves when the dependency answers; rejects (or outlives `timeoutMs`) when it does not. */
  check(signal: AbortSignal, timeoutMs: number): Promise<void>;
}

/** Status of one dependency. */
export interface DependencyStatus {
  status: 'up' | 'down';
  latencyMs: number;
  error?: string;
}

/** The `/api/v1/health` report. */
export interface HealthReport {
  status: 'ok' | 'degraded';
  version: string;
  checkedAt: string;
  dependencies: Record<string, DependencyStatus>;
  /**
   * Circuit breakers per plane: how many tenants' breakers are in each state. Informational: a plane outage does not make the
   * control plane unready.
   */
  connectors?: Record<string, { closed: number; open: number; half_open: number }>;
}

/** Where the breaker summary comes from (`ConnectorBreakerRepository` in production). */
export interface BreakerCountsSource {
  /** Breakers by plane and state, across tenants. */
  countsByPlane(): Promise<NonNullable<HealthReport['connectors']>>;
}

/** Runs every check in parallel, each bounded by `timeoutMs`. */
export class HealthService {
  private readonly inFlight = new Set<Promise<unknown>>();

  constructor(
    private readonly checks: DependencyCheck[],
    private readonly timeoutMs: number,
    /** Breaker summary source; the summary is omitted from reports when absent or failing. */
    private readonly breakers?: BreakerCountsSource,
  ) {}

  /** Waits (at most twice the timeout) for probes still running, so clients can be closed under no live call. */
  async drain(): Promise<void> {
    const all = Promise.allSettled([...this.inFlight]);
    await Promise.race([all, new Promise((r) => setTimeout(r, this.timeoutMs * 2).unref())]);
  }

  async report(): Promise<HealthReport> {
    const results = await Promise.all(this.checks.map((c) => this.run(c)));
    const dependencies = Object.fromEntries(this.checks.map((c, i) => [c.name, results[i]!]));
    const dbUp = dependencies.database?.status === 'up';
    const connectors = dbUp && this.breakers ? await this.breakers.countsByPlane().catch(() => undefined) : undefined;
    return {
      status: results.every((r) => r.status === 'up') ? 'ok' : 'degraded',
      version: PRODUCT_VERSION,
      checkedAt: new Date().toISOString(),
      dependencies,
      ...(connectors ? { connectors } : {}),
    };
  }

  private async run(c: DependencyCheck): Promise<DependencyStatus> {
    const started = performance.now();
    const controller = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        controller.abort();
        reject(new Error(`no answer within ${this.timeoutMs} ms`));
      }, this.timeoutMs);
    });
    try {
      const probe = c.check(controller.signal, this.timeoutMs);
      // A probe that loses the race may still reject later; that must not become an unhandled rejection.
      const settled = probe.catch(() => undefined);
      this.inFlight.add(settled);
      void settled.then(() => this.inFlight.delete(settled));
      await Promise.race([probe, timeout]);
      return { status: 'up', latencyMs: Math.round(performance.now() - started) };
    } catch (err) {
      // Only the message: health is unauthenticated, so no stack, host or credential detail.
      const message = err instanceof Error ? err.message : String(err);
      return { status: 'down', latencyMs: Math.round(performance.now() - started), error: sanitize(message) };
    } finally {
      clearTimeout(timer);
    }
  }
}

function sanitize(message: string): string {
  return message.replace(/\/\/[^@/\s]*@/g, '//').slice(0, 200);
}
