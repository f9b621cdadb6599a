import { errorForStatus, networkError } from './http-errors';
import { ResilientCaller } from './resilience';

/** One HTTP exchange's result as the plane clients need it. */
export interface HttpResult {
  status: number;
  headers: Headers;
  text: string;
}

/** Options of a plane HTTP client. */
export interface PlaneHttpOptions {
  plane: string;
  baseUrl: string;
  /** Retry, breaker and timeout policy; default a fresh one with documented defaults. */
  caller?: ResilientCaller;
  /** Extracts a readable message from an error body; default the raw text. */
  describe?: (text: string) => string;
}

/**
 * HTTP for the plane clients: every request runs under the plane's resilience policy, non-2xx answers become domain errors
 * (transient vs permanent, `Retry-After` kept) unless listed in `accept`, and bodies come back as text for the mappers.
 */
export class PlaneHttp {
  readonly caller: ResilientCaller;

  constructor(private readonly opts: PlaneHttpOptions) {
    this.caller = opts.caller ?? new ResilientCaller(opts.plane);
  }

  async send(
    method: string, path: string,
    init: { headers?: Record<string, string>; body?: string | URLSearchParams | Uint8Array; accept?: number[] } = {},
  ): Promise<HttpResult> {
    return this.caller.call(async (signal) => {
      let res: globalThis.Response;
      try {
        res = await fetch(`${this.opts.baseUrl}${path}`, { method, headers: init.headers, body: init.body, signal });
      } catch (err) {
        throw networkError(this.opts.plane, err);
      }
      const text = await res.text().catch(() => '');
      if (!res.ok && !init.accept?.includes(res.status)) {
        throw errorForStatus(this.opts.plane, res.status, this.opts.describe ? this.opts.describe(text) : text, res.headers.get('retry-after'));
      }
      return { status: res.status, headers: res.headers, text };
    });
  }
}
