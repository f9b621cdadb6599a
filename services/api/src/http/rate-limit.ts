import type { Request, RequestHandler, Response } from 'express';
import type { Principal } from '@eucora/core';
import { sendProblem } from './problem';

/** Limits of the API's rate limiter; a rate of 0 turns that limit off. */
export interface RateLimitOptions {
  /** Tokens per second refilled per API token; default 20. */
  tokenRps: number;
  /** Bucket size per API token; default 100. */
  tokenBurst: number;
  /** Tokens per second refilled per tenant (all its API tokens); default 50. */
  tenantRps: number;
  /** Bucket size per tenant; default 300. */
  tenantBurst: number;
  /** Clock in ms; default `Date.now` (tests pass a fake one). */
  now?: () => number;
}

interface Bucket {
  tokens: number;
  at: number;
}

interface Take {
  ok: boolean;
  remaining: number;
  /** Seconds until the bucket is full again. */
  resetSeconds: number;
  /** Seconds until one request is allowed; 0 when allowed. */
  retryAfterSeconds: number;
}

/** Token buckets by key, in this process's memory. */
class Buckets {
  private readonly map = new Map<string, Bucket>();

  constructor(
    private readonly rps: number,
    private readonly burst: number,
    private readonly now: () => number,
  ) {}

  get enabled(): boolean {
    return this.rps > 0;
  }

  take(key: string): Take {
    const now = this.now();
    const b = this.map.get(key) ?? { tokens: this.burst, at: now };
    b.tokens = Math.min(this.burst, b.tokens + ((now - b.at) / 1000) * this.rps);
    b.at = now;
    const ok = b.tokens >= 1;
    if (ok) b.tokens -= 1;
    this.map.set(key, b);
    if (this.map.size > 50_000) this.sweep(now);
    return {
      ok,
      remaining: Math.floor(b.tokens),
      resetSeconds: Math.ceil((this.burst - b.tokens) / this.rps),
      retryAfterSeconds: ok ? 0 : Math.max(1, Math.ceil((1 - b.tokens) / this.rps)),
    };
  }

  /** Gives back a token taken by a request that another limit refused: a refused request costs nothing. */
  refund(key: string): void {
    const b = this.map.get(key);
    if (b) b.tokens = Math.min(this.burst, b.tokens + 1);
  }

  /** Forgets buckets that have refilled: they are indistinguishable from new ones. */
  private sweep(now: number): void {
    for (const [k, b] of this.map) if (b.tokens + ((now - b.at) / 1000) * this.rps >= this.burst) this.map.delete(k);
  }

  policy(name: string): string {
    return `"${name}";q=${this.burst};w=${Math.max(1, Math.ceil(this.burst / this.rps))}`;
  }
}

/**
 * Per-token and per-tenant token buckets (IETF RateLimit headers, 429 problem+json with `Retry-After`), plus one per
 * client address for requests that fail authentication. State is per process: N API instances allow N × the limits,
 * so a multi-instance deployment needs a shared store (e.g. Redis) or limits divided by N (docs/security.md).
 */
export class ApiRateLimiter {
  private readonly token: Buckets;
  private readonly tenant: Buckets;
  private readonly anonymous: Buckets;

  constructor(opts: RateLimitOptions) {
    const now = opts.now ?? Date.now;
    this.token = new Buckets(opts.tokenRps, opts.tokenBurst, now);
    this.tenant = new Buckets(opts.tenantRps, opts.tenantBurst, now);
    this.anonymous = new Buckets(opts.tokenRps, opts.tokenBurst, now);
  }

  /** Makes the limiter available to `authenticate` for this request; exempt paths (health, metrics) skip it. */
  middleware(): RequestHandler {
    return (req, res, next) => {
      if (!isExempt(req)) res.locals.rateLimiter = this;
      next();
    };
  }

  /** Charges the caller's token and tenant; false when it has answered 429 itself. */
  admit(res: Response, principal: Principal): boolean {
    const checks: [string, Buckets, string][] = [
      ['token', this.token, principal.tokenId ?? principal.actor],
      ['tenant', this.tenant, principal.tenantId],
    ];
    return this.charge(res, checks);
  }

  /** Charges the client address for a failed authentication (slows token guessing); false when it has answered 429. */
  admitAnonymous(req: Request, res: Response): boolean {
    return this.charge(res, [['anonymous', this.anonymous, req.socket.remoteAddress ?? 'unknown']]);
  }

  private charge(res: Response, checks: [string, Buckets, string][]): boolean {
    const active = checks.filter(([, b]) => b.enabled);
    if (active.length === 0) return true;
    const results = active.map(([name, b, key]) => ({ name, b, key: `${name}:${key}`, r: b.take(`${name}:${key}`) }));
    res.setHeader('RateLimit-Policy', results.map((x) => x.b.policy(x.name)).join(', '));
    res.setHeader('RateLimit', results.map((x) => `"${x.name}";r=${x.r.remaining};t=${x.r.resetSeconds}`).join(', '));
    const denied = results.filter((x) => !x.r.ok);
    if (denied.length === 0) return true;
    for (const x of results) if (x.r.ok) x.b.refund(x.key);
    const retry = Math.max(...denied.map((x) => x.r.retryAfterSeconds));
    res.setHeader('Retry-After', String(retry));
    sendProblem(res, {
      type: 'https://eucora.dev/problems/rate-limited',
      title: 'Too Many Requests',
      status: 429,
      detail: `Rate limit of the ${denied.map((x) => x.name).join(' and ')} exceeded; retry after ${retry} s`,
    });
    return false;
  }
}

function isExempt(req: Request): boolean {
  const p = req.path;
  return p === '/metrics' || p === '/api/v1/health' || p.startsWith('/api/v1/health/');
}
