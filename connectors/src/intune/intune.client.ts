import { cleanErrorCode, errorForStatus } from '../shared/http-errors';
import { BearerToken, PlaneHttp, type FetchedToken, type OutboundCheck } from '../shared/http-client';
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
  /** Outbound-URL guard run before every request; default none. */
  check?: OutboundCheck;
}

/** Minimal Graph client: client-credential token cached until shortly before expiry and refreshed once on 401 (by PlaneHttp). */
export class IntuneClient {
  private readonly graph: PlaneHttp;
  private readonly authority: PlaneHttp;
  private readonly storage: PlaneHttp;

  constructor(private readonly opts: IntuneClientOptions) {
    // One policy for both hosts: a broken token endpoint is as much an outage of the plane as a broken Graph.
    const caller = opts.caller ?? new ResilientCaller('intune', { timeoutMs: opts.timeoutMs });
    this.authority = new PlaneHttp({ plane: 'intune', baseUrl: opts.authorityUrl, caller, check: opts.check });
    const auth = new BearerToken(() => this.fetchToken());
    this.graph = new PlaneHttp({ plane: 'intune', baseUrl: opts.graphUrl, caller, check: opts.check, auth });
    // SAS URIs are absolute; the storage host comes from Graph's answer, so it passes the same outbound guard.
    this.storage = new PlaneHttp({ plane: 'intune', baseUrl: '', caller, check: opts.check });
  }

  private async fetchToken(): Promise<FetchedToken> {
    const body = new URLSearchParams({
      client_id: this.opts.clientId,
      client_secret: this.opts.clientSecret,
      scope: 'https://graph.microsoft.com/.default',
      grant_type: 'client_credentials',
    });
    const res = await this.authority.send('POST', `/${encodeURIComponent(this.opts.tenantId)}/oauth2/v2.0/token`, { body, accept: [400] });
    const j = (() => {
      try {
        return JSON.parse(res.text) as { access_token?: string; expires_in?: number; error?: string };
      } catch {
        return {} as { access_token?: string; expires_in?: number; error?: string };
      }
    })();
    // invalid_client (400) is a credential problem: permanent, like a 401.
    if (!j.access_token) throw errorForStatus('intune', 401, `token:${cleanErrorCode(j.error) ?? 'no_token'}`, null);
    // Refresh a minute early so a token never expires mid-call.
    return { value: j.access_token, expiresAt: Date.now() + Math.max(0, (j.expires_in ?? 3599) - 60) * 1000 };
  }

  /**
   * One Graph call; returns the parsed JSON body (or null for 204). `correlationId` goes out as `client-request-id`,
   * which Graph echoes and Microsoft support traces by.
   */
  async request<T>(method: string, path: string, body?: unknown, correlationId?: string): Promise<T> {
    const res = await this.graph.send(method, path, {
      headers: {
        ...(correlationId ? { 'client-request-id': correlationId } : {}),
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
    return (res.status === 204 || !res.text ? null : JSON.parse(res.text)) as T;
  }

  /** Azure Blob call against a SAS URI (the SAS is the credential: no bearer token goes to storage). */
  async blob(method: 'PUT', uri: string, body: Uint8Array | string, headers: Record<string, string>): Promise<void> {
    await this.storage.send(method, uri, { headers, body });
  }
}
