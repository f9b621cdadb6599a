import CircuitBreaker from 'opossum';
import {
  handleWhen,
  retry,
  timeout,
  TaskCancelledError,
  TimeoutStrategy,
  type IBackoff,
  type IBackoffFactory,
  type IRetryBackoffContext,
} from 'cockatiel';
import { isUpstreamUnavailableError, UpstreamUnavailableError } from '@eucora/core';

/** Options of one plane's resilience policy; defaults are the documented ones (docs/resilience.md). */
export interface ResilienceOptions {
  /** Per-attempt timeout, ms; default 30 000. */
  timeoutMs?: number;
  /** Retries after the first attempt, transient errors only; default 3. */
  retries?: number;
  /** First retry delay, ms (doubles, with jitter); default 1000. */
  retryInitialMs?: number;
  /** Longest retry delay, ms; default 10 000. A `Retry-After` above it ends the retries (Temporal waits instead). */
  retryMaxMs?: number;
  /** Consecutive failures that open the breaker; default 5. */
  consecutiveFailures?: number;
  /** Failure percentage over the rolling window that opens the breaker; default 50. */
  errorThresholdPercentage?: number;
  /** Calls in the window before the percentage applies; default 20. */
  volumeThreshold?: number;
  /** Open → half-open after this long, ms; default 60 000. */
  resetTimeoutMs?: number;
}

/** Breaker states, as reported in health, logs and events. */
export type BreakerState = 'closed' | 'open' | 'half_open';

/** Raised instead of calling the plane while its breaker is open: retryable, but never retried by the connector itself. */
export class BreakerOpenError extends UpstreamUnavailableError {
  readonly breakerOpen = true;
  constructor(plane: string, retryAfterSeconds: number) {
    super(`${plane} circuit breaker is open; not calling the plane`, plane, retryAfterSeconds);
  }
}

/** Exponential backoff with full jitter that honours `Retry-After` from the last error when it is within the cap. */
class RetryAfterBackoff implements IBackoffFactory<IRetryBackoffContext<unknown>> {
  constructor(
    private readonly initialMs: number,
    private readonly maxMs: number,
  ) {}
  next(ctx: IRetryBackoffContext<unknown>): IBackoff<IRetryBackoffContext<unknown>> {
    const err = 'error' in ctx.result ? (ctx.result.error as { retryAfterSeconds?: number }) : undefined;
    const exp = Math.min(this.maxMs, this.initialMs * 2 ** Math.max(0, ctx.attempt - 1));
    const duration = err?.retryAfterSeconds !== undefined ? err.retryAfterSeconds * 1000 : Math.round(exp / 2 + Math.random() * (exp / 2));
    return { duration, next: (c) => this.next(c) };
  }
}

/**
 * One plane's (and tenant's) call policy: retry (transient only, ≤ `retries`) → circuit breaker → per-attempt timeout.
 * The breaker sits inside the retry so every attempt counts, and an open breaker stops the retry at once: a long outage
 * then costs nothing until the half-open probe, and Temporal's capped activity backoff carries the wait.
 */
export class ResilientCaller {
  readonly plane: string;
  private readonly breaker: CircuitBreaker<[() => Promise<unknown>], unknown>;
  private readonly retryPolicy;
  private readonly timeoutPolicy;
  private consecutive = 0;
  private readonly resetMs: number;
  private readonly consecutiveLimit: number;
  private readonly retryMaxMs: number;

  constructor(
    plane: string,
    opts: ResilienceOptions = {},
    private readonly onState: (s: BreakerState) => void = () => undefined,
  ) {
    this.plane = plane;
    this.resetMs = opts.resetTimeoutMs ?? 60_000;
    this.consecutiveLimit = opts.consecutiveFailures ?? 5;
    this.retryMaxMs = opts.retryMaxMs ?? 10_000;
    this.breaker = new CircuitBreaker(async (fn: () => Promise<unknown>) => fn(), {
      timeout: false,
      resetTimeout: this.resetMs,
      errorThresholdPercentage: opts.errorThresholdPercentage ?? 50,
      volumeThreshold: opts.volumeThreshold ?? 20,
      rollingCountTimeout: 60_000,
      // Only transient failures say the plane is unwell; a 400 or 404 is our problem, not the plane's.
      errorFilter: (err: unknown) => !isUpstreamUnavailableError(err),
    });
    this.breaker.on('failure', () => {
      this.consecutive++;
      if (this.consecutive >= this.consecutiveLimit && this.breaker.closed) this.breaker.open();
    });
    this.breaker.on('success', () => (this.consecutive = 0));
    this.breaker.on('open', () => this.onState('open'));
    this.breaker.on('halfOpen', () => this.onState('half_open'));
    this.breaker.on('close', () => {
      this.consecutive = 0;
      this.onState('closed');
    });
    this.retryPolicy = retry(
      handleWhen(
        (err) =>
          isUpstreamUnavailableError(err) &&
          !(err as Partial<BreakerOpenError>).breakerOpen &&
          ((err as { retryAfterSeconds?: number }).retryAfterSeconds ?? 0) * 1000 <= this.retryMaxMs,
      ),
      { maxAttempts: opts.retries ?? 3, backoff: new RetryAfterBackoff(opts.retryInitialMs ?? 1000, this.retryMaxMs) },
    );
    this.timeoutPolicy = timeout(opts.timeoutMs ?? 30_000, TimeoutStrategy.Aggressive);
  }

  get state(): BreakerState {
    return this.breaker.opened ? 'open' : this.breaker.halfOpen ? 'half_open' : 'closed';
  }

  /** Runs one plane call under the policy; `fn` gets an AbortSignal that fires at the per-attempt timeout. */
  async call<T>(fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
    return this.retryPolicy.execute(async () => {
      try {
        return (await this.breaker.fire(() => this.timeoutPolicy.execute(({ signal }) => fn(signal)))) as T;
      } catch (err) {
        if ((err as { code?: string }).code === 'EOPENBREAKER') throw new BreakerOpenError(this.plane, Math.ceil(this.resetMs / 1000));
        if (err instanceof TaskCancelledError) throw new UpstreamUnavailableError(`${this.plane} timed out`, this.plane);
        throw err;
      }
    });
  }
}

/** Callers per plane and tenant, so one tenant's broken Intune never opens another tenant's breaker. */
export class ResilienceRegistry {
  private readonly callers = new Map<string, ResilientCaller>();

  constructor(
    private readonly opts: ResilienceOptions = {},
    private readonly onState: (tenantId: string, plane: string, state: BreakerState) => void = () => undefined,
  ) {}

  get(tenantId: string, plane: string): ResilientCaller {
    const key = `${tenantId}:${plane}`;
    let c = this.callers.get(key);
    if (!c) {
      c = new ResilientCaller(plane, this.opts, (s) => this.onState(tenantId, plane, s));
      this.callers.set(key, c);
    }
    return c;
  }
}
