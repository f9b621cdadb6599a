import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { Readable } from 'node:stream';
import type { ArtifactContent } from '../connector';

/** JSON value kinds a recorded body key may have. */
export type Kind = 'string' | 'number' | 'integer' | 'boolean' | 'array' | 'object' | 'integer[]' | 'string[]' | 'null';

/** One recorded vendor request/response pair (from the contracts or vendor docs, never from our simulators). */
export interface VendorExchange {
  /** Where the example comes from (contract section, vendor doc, public client file). */
  source: string;
  method: string;
  path: string | RegExp;
  /** Query parameters the request must carry (exact value or pattern). */
  query?: Record<string, string | RegExp>;
  headers?: Record<string, string | RegExp>;
  /** JSON body keys and kinds the request must have; `form` for urlencoded bodies; `xml` tags for Classic XML. */
  json?: Record<string, Kind>;
  /** JSON body keys the request must NOT have. */
  jsonAbsent?: string[];
  form?: Record<string, string | RegExp>;
  xml?: (string | RegExp)[];
  multipartFile?: string;
  /** Matches this exchange only when the predicate says so (e.g. a lookup before vs after a create). */
  when?: (req: CapturedRequest) => boolean;
  response: ExchangeResponse | ((req: CapturedRequest) => ExchangeResponse);
}

/** What the capturing server answers. */
export interface ExchangeResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/** A request as the capturing server saw it. */
export interface CapturedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  body: Buffer;
}

const kindOf = (v: unknown): Kind => {
  if (v === null) return 'null';
  if (Array.isArray(v))
    return v.every((x) => Number.isInteger(x)) ? 'integer[]' : v.every((x) => typeof x === 'string') ? 'string[]' : 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v as Kind;
};
const fits = (want: Kind, v: unknown) => {
  const got = kindOf(v);
  return got === want || (want === 'number' && got === 'integer') || (want === 'array' && (got === 'integer[]' || got === 'string[]'));
};
const same = (want: string | RegExp, got: string | undefined) =>
  got !== undefined && (typeof want === 'string' ? want === got : want.test(got));

/**
 * A capturing HTTP server that answers from a table of recorded vendor exchanges and checks every request the connector
 * makes against its matching entry field by field (method, path, query, headers, body keys and types). Requests that
 * match no entry answer 501 and are reported.
 */
export class VendorExchangeServer {
  readonly problems: string[] = [];
  readonly hits = new Map<VendorExchange, number>();
  readonly captured: CapturedRequest[] = [];
  private server: Server | undefined;

  constructor(private readonly table: VendorExchange[]) {}

  async listen(): Promise<string> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const url = new URL(req.url ?? '/', 'http://x');
        const cap: CapturedRequest = {
          method: req.method ?? '',
          path: decodeURIComponent(url.pathname),
          query: url.searchParams,
          headers: req.headers,
          body: Buffer.concat(chunks),
        };
        this.captured.push(cap);
        const ex = this.table.find((e) => e.method === cap.method && same(e.path, cap.path) && (!e.when || e.when(cap)));
        if (!ex) {
          this.problems.push(`unexpected ${cap.method} ${cap.path}?${cap.query}`);
          res.writeHead(501).end();
          return;
        }
        this.hits.set(ex, (this.hits.get(ex) ?? 0) + 1);
        for (const p of this.check(ex, cap)) this.problems.push(`${cap.method} ${cap.path} (${ex.source}): ${p}`);
        const r = typeof ex.response === 'function' ? ex.response(cap) : ex.response;
        const text = r.body === undefined ? '' : typeof r.body === 'string' ? r.body : JSON.stringify(r.body);
        const type = typeof r.body === 'string' && r.body.startsWith('<') ? 'application/xml' : 'application/json';
        res.writeHead(r.status, { 'content-type': type, ...r.headers }).end(text);
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    const addr = this.server.address();
    return `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  }

  async close(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server?.listening ? this.server.close(() => resolve()) : resolve()));
  }

  /** Entries of the table that no request reached. */
  unused(): string[] {
    return this.table.filter((e) => !this.hits.has(e)).map((e) => `${e.method} ${String(e.path)} (${e.source})`);
  }

  private check(ex: VendorExchange, cap: CapturedRequest): string[] {
    const out: string[] = [];
    for (const [k, v] of Object.entries(ex.query ?? {}))
      if (!same(v, cap.query.get(k) ?? undefined)) out.push(`query ${k}=${cap.query.get(k)} ≠ ${String(v)}`);
    for (const [k, v] of Object.entries(ex.headers ?? {})) {
      const got = cap.headers[k.toLowerCase()];
      if (!same(v, Array.isArray(got) ? got[0] : got)) out.push(`header ${k}=${String(got)} ≠ ${String(v)}`);
    }
    const text = cap.body.toString('utf8');
    if (ex.json || ex.jsonAbsent) {
      let body: Record<string, unknown> = {};
      try {
        body = JSON.parse(text) as Record<string, unknown>;
      } catch {
        out.push('body is not JSON');
      }
      for (const [k, kind] of Object.entries(ex.json ?? {}))
        if (!fits(kind, body[k])) out.push(`body.${k} is ${kindOf(body[k])}, want ${kind}`);
      for (const k of ex.jsonAbsent ?? []) if (k in body) out.push(`body.${k} must be absent`);
    }
    if (ex.form) {
      const form = new URLSearchParams(text);
      for (const [k, v] of Object.entries(ex.form))
        if (!same(v, form.get(k) ?? undefined)) out.push(`form ${k}=${form.get(k)} ≠ ${String(v)}`);
    }
    for (const x of ex.xml ?? []) if (!(typeof x === 'string' ? text.includes(x) : x.test(text))) out.push(`xml lacks ${String(x)}`);
    if (ex.multipartFile !== undefined) {
      const type = String(cap.headers['content-type'] ?? '');
      if (!/^multipart\/form-data; boundary=/.test(type)) out.push(`content-type ${type} is not multipart/form-data`);
      if (!new RegExp(`name="${ex.multipartFile}"; filename="[^"]+"`).test(text))
        out.push(`no multipart field "${ex.multipartFile}" with a filename`);
    }
    return out;
  }
}

/** Test double of the content source only: verified bytes from memory (the planes under test stay real HTTP). */
export function bufferContent(bytes: Buffer, fileName: string, url = 'https://artifacts.example.test/presigned'): ArtifactContent {
  return {
    sha256: createHash('sha256').update(bytes).digest('hex'),
    sizeBytes: bytes.length,
    fileName,
    open: async () => Readable.from([bytes.subarray(0, Math.ceil(bytes.length / 2)), bytes.subarray(Math.ceil(bytes.length / 2))]),
    downloadUrl: async (ttl: number) => `${url}?ttl=${ttl}`,
  };
}
