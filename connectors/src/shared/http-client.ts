import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { pipeline, type Readable } from 'node:stream';
import { errorForStatus, networkError, redirectError, vendorErrorCode } from './http-errors';
import { ResilientCaller } from './resilience';

/** One HTTP exchange's result as the plane clients need it. */
export interface HttpResult {
  status: number;
  headers: Headers;
  text: string;
}

/**
 * Checks an outbound URL before each connection and returns the address to connect to (the worker passes the runtime's
 * outbound-URL guard); throwing refuses the request. The connection is pinned to that address, so DNS rebinding between
 * check and connect cannot move it.
 */
export type OutboundCheck = (url: URL) => Promise<{ address: string }>;

/** A streamed request body; `open` is called once per attempt, so a retry sends the bytes again from the start. */
export interface StreamBody {
  open: () => Promise<Readable>;
}

/** One request's headers, body and the non-2xx statuses the caller handles itself. */
export interface SendInit {
  headers?: Record<string, string>;
  /** Text, form, raw bytes, or a stream (sent chunked unless `content-length` is given). */
  body?: string | URLSearchParams | Uint8Array | StreamBody;
  accept?: number[];
}

/** Options of a plane HTTP client. */
export interface PlaneHttpOptions {
  plane: string;
  baseUrl: string;
  /** Retry, breaker and timeout policy; default a fresh one with documented defaults. */
  caller?: ResilientCaller;
  /** Extracts the vendor's error code from an error body; default `vendorErrorCode` (known JSON shapes). */
  errorCode?: (text: string) => string | undefined;
  /** Outbound-URL guard run before every request; default none (operator-configured endpoints). */
  check?: OutboundCheck;
  /** Bearer token put on every request, refreshed once on a 401 (see `send`); default none (the caller authenticates). */
  auth?: TokenProvider;
}

/** The credential PlaneHttp puts on each request as `authorization`, and drops when the plane answers 401. */
export interface TokenProvider {
  /** The `authorization` header value, cached by the provider while it is valid. */
  authorization(): Promise<string>;
  /** Forgets the cached token; the next `authorization()` fetches a fresh one. */
  invalidate(): void;
}

/** A fetched token: its value and, when it expires, the time (ms since epoch) to stop using it. */
export interface FetchedToken {
  value: string;
  /** Default never (kept until a 401). */
  expiresAt?: number;
}

/** A bearer token fetched on first use and kept until its `expiresAt` or a 401. */
export class BearerToken implements TokenProvider {
  private cached: Required<FetchedToken> | undefined;

  constructor(private readonly fetch: () => Promise<FetchedToken>) {}

  async authorization(): Promise<string> {
    if (!this.cached || this.cached.expiresAt <= Date.now()) {
      const t = await this.fetch();
      this.cached = { value: t.value, expiresAt: t.expiresAt ?? Number.POSITIVE_INFINITY };
    }
    return `Bearer ${this.cached.value}`;
  }

  invalidate(): void {
    this.cached = undefined;
  }
}

// Keep-alive pools; a reused socket is one whose address passed the outbound check when it was opened.
const AGENTS = { http: new http.Agent({ keepAlive: true }), https: new https.Agent({ keepAlive: true }) };

/** Largest response body read; larger bodies are cut (mappers only need small JSON documents). */
const MAX_BODY_BYTES = 16 * 1024 * 1024;

/**
 * HTTP for the plane clients: every request runs under the plane's resilience policy, non-2xx answers become domain errors
 * (transient vs permanent, `Retry-After` kept) unless listed in `accept`, and bodies come back as text for the mappers.
 * Redirects are never followed (a 3xx is a permanent error): following one would carry credentials to a host nobody checked.
 * Error messages carry the status and the vendor's error code only, never the upstream body.
 */
export class PlaneHttp {
  readonly caller: ResilientCaller;

  constructor(private readonly opts: PlaneHttpOptions) {
    this.caller = opts.caller ?? new ResilientCaller(opts.plane);
  }

  /**
   * One request. With `auth`, a 401 (unless the caller accepts 401 itself) drops the token and the request is sent once
   * more with a fresh one; a second 401 is a permanent `NotAllowedError` (contracts: "401 after one refresh"). Never loops.
   */
  async send(method: string, path: string, init: SendInit = {}): Promise<HttpResult> {
    const auth = this.opts.auth;
    if (!auth) return this.sendOnce(method, path, init);
    const withToken = async (accept: number[] | undefined) =>
      this.sendOnce(method, path, { ...init, headers: { ...init.headers, authorization: await auth.authorization() }, accept });
    if (init.accept?.includes(401)) return withToken(init.accept);
    const first = await withToken([...(init.accept ?? []), 401]);
    if (first.status !== 401) return first;
    auth.invalidate();
    return withToken(init.accept);
  }

  private async sendOnce(method: string, path: string, init: SendInit): Promise<HttpResult> {
    const url = new URL(`${this.opts.baseUrl}${path}`);
    const pinned = this.opts.check ? (await this.opts.check(url)).address : undefined;
    return this.caller.call(async (signal) => {
      let res: HttpResult;
      try {
        res = await request(url, method, init, signal, pinned);
      } catch (err) {
        throw networkError(this.opts.plane, err);
      }
      if (res.status >= 300 && res.status < 400 && !init.accept?.includes(res.status)) throw redirectError(this.opts.plane, res.status);
      if ((res.status < 200 || res.status >= 300) && !init.accept?.includes(res.status)) {
        const code = (this.opts.errorCode ?? vendorErrorCode)(res.text);
        throw errorForStatus(this.opts.plane, res.status, code, res.headers.get('retry-after'));
      }
      return res;
    });
  }
}

/** One request over node:http(s), connecting to `pinned` when given (TLS still verifies the URL's host name). */
function request(url: URL, method: string, init: SendInit, signal: AbortSignal, pinned?: string): Promise<HttpResult> {
  const body = init.body;
  const stream = body !== undefined && typeof body === 'object' && 'open' in body ? body : undefined;
  const payload =
    body === undefined || stream
      ? undefined
      : body instanceof Uint8Array
        ? Buffer.from(body.buffer, body.byteOffset, body.byteLength)
        : Buffer.from(body.toString());
  const h: Record<string, string> = { ...(init.headers ?? {}) };
  if (body instanceof URLSearchParams && !Object.keys(h).some((k) => k.toLowerCase() === 'content-type')) {
    h['content-type'] = 'application/x-www-form-urlencoded';
  }
  if (payload) h['content-length'] = String(payload.length);
  const lookup: LookupFunction | undefined = pinned
    ? (_host, options, cb) => {
        const family = pinned.includes(':') ? 6 : 4;
        type AllCallback = (e: null, a: { address: string; family: number }[]) => void;
        if ((options as { all?: boolean }).all) (cb as unknown as AllCallback)(null, [{ address: pinned, family }]);
        else cb(null, pinned, family);
      }
    : undefined;
  const tls = url.protocol === 'https:';
  const lib = tls ? https : http;
  return new Promise((resolve, reject) => {
    const req = lib.request(url, { method, headers: h, signal, lookup, agent: tls ? AGENTS.https : AGENTS.http }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size <= MAX_BODY_BYTES) chunks.push(c);
      });
      res.on('error', reject);
      res.on('end', () => {
        const out = new Headers();
        for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) out.set(k, Array.isArray(v) ? v.join(', ') : v);
        resolve({ status: res.statusCode ?? 0, headers: out, text: Buffer.concat(chunks).toString('utf8') });
      });
    });
    req.on('error', reject);
    if (!stream) return void req.end(payload);
    stream.open().then(
      (source) => pipeline(source, req, (err) => err && req.destroy(err)),
      (err: unknown) => req.destroy(err instanceof Error ? err : new Error(String(err))),
    );
  });
}
