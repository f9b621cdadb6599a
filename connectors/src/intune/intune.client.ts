import { errorForStatus, networkError } from '../shared/http-errors';
import { ResilientCaller } from '../shared/resilience';

/** Where and how to reach one Intune tenant through Microsoft Graph. */
export interface IntuneClientOptions {
  /** Graph base URL, e.g. `https://graph.microsoft.com`. */
  graphUrl: string;
  /** Token authority base URL, e.g. `https://login.microsoftonline.com`. */
  authorityUrl: string;
  tenantId: string;
  clientId: string;
  clientSecret: string;
  /** Per-request timeout in ms when no `caller` is given; default 30 000. */
  timeoutMs?: number;
  /** Retry, breaker and timeout policy for this plane and tenant; default a fresh one with documented defaults. */
  caller?: ResilientCaller;
}

interface CachedToken {
  value: string;
  expiresAt: number;
}

/** Minimal Graph client: client-credential token cached until shortly before expiry and refreshed once on 401. */
export class IntuneClient {
  private token: CachedToken | undefined;
  private readonly caller: ResilientCaller;

  constructor(private readonly opts: IntuneClientOptions) {
    this.caller = opts.caller ?? new ResilientCaller('intune', { timeoutMs: opts.timeoutMs });
  }

  private async fetchToken(): Promise<string> {
    const body = new URLSearchParams({
      client_id: this.opts.clientId,
      client_secret: this.opts.clientSecret,
      scope: 'https://graph.microsoft.com/.default',
      grant_type: 'client_credentials',
    });
    const json = await this.caller.call(async (signal) => {
      let res: globalThis.Response;
      try {
        res = await fetch(`${this.opts.authorityUrl}/${encodeURIComponent(this.opts.tenantId)}/oauth2/v2.0/token`, { method: 'POST', body, signal });
      } catch (err) {
        throw networkError('intune', err);
      }
      const j = (await res.json().catch(() => ({}))) as { access_token?: string; expires_in?: number; error?: string };
      // invalid_client (400) is a credential problem: permanent, like a 401.
      if (!res.ok || !j.access_token) throw errorForStatus('intune', res.status === 400 ? 401 : res.status, `token: ${j.error ?? 'no token'}`, res.headers.get('retry-after'));
      return j as { access_token: string; expires_in?: number };
    });
    // Refresh a minute early so a token never expires mid-call.
    this.token = { value: json.access_token, expiresAt: Date.now() + Math.max(0, (json.expires_in ?? 3599) - 60) * 1000 };
    return json.access_token;
  }

  private async bearer(): Promise<string> {
    if (this.token && this.token.expiresAt > Date.now()) return this.token.value;
    return this.fetchToken();
  }

  /** One Graph call; returns the parsed JSON body (or null for 204). */
  async request<T>(method: string, path: string, body?: unknown, retriedAuth = false): Promise<T> {
    const token = await this.bearer();
    const outcome = await this.caller.call(async (signal) => {
      let res: globalThis.Response;
      try {
        res = await fetch(`${this.opts.graphUrl}${path}`, {
          method,
          headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
          body: body !== undefined ? JSON.stringify(body) : undefined,
          signal,
        });
      } catch (err) {
        throw networkError('intune', err);
      }
      if (res.status === 401 && !retriedAuth) return { reauth: true as const };
      if (!res.ok) {
        const text = await res.text().catch(() => '');
        let detail = text;
        try {
          const j = JSON.parse(text) as { error?: { code?: string; message?: string } };
          detail = `${j.error?.code ?? ''} ${j.error?.message ?? ''}`.trim() || text;
        } catch {
          /* not JSON: keep text */
        }
        throw errorForStatus('intune', res.status, detail, res.headers.get('retry-after'));
      }
      return { value: res.status === 204 ? null : ((await res.json()) as T) };
    });
    if ('reauth' in outcome) {
      // Token expired or revoked: refresh once, then a second 401 is permanent.
      this.token = undefined;
      return this.request<T>(method, path, body, true);
    }
    return outcome.value as T;
  }
}
