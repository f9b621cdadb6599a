// Generated security test (DESIGN §6): fast-check drives every route of the app — the list is read from express's
// router stack, so a new route is fuzzed without being listed here — with hostile paths, queries, bodies and tokens.
// Invariants: no 5xx, every error is problem+json, and a rejected request changes nothing in the tenant.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { routeTable, type RouteEntry } from '../http/route-table';
import { createApiServer } from '../http/server';
import { startTestApi } from '../test-support/test-stack';
import { createSecurityTenant, fillPath, listen, sampleBody, send, tenantState } from '../test-support/security-fixtures';
import type { RawResponse, SecurityTenant, SendOptions } from '../test-support/security-fixtures';

const RUNS_PER_ROUTE = Number(process.env.FUZZ_RUNS_PER_ROUTE ?? 100);

/** Percent-encodes like a client would, except that lone surrogates go out as their (invalid) 3-byte UTF-8 form. */
function encode(s: string): string {
  let out = '';
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (cp >= 0xd800 && cp <= 0xdfff) {
      out += [0xe0 | (cp >> 12), 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f)].map((b) => `%${b.toString(16).toUpperCase()}`).join('');
    } else out += encodeURIComponent(ch);
  }
  return out;
}

const POISON = [
  '\u0000',
  'a\u0000b',
  '\ud800',
  'x\udfff',
  '\ud83d',
  '\udc00\ud800',
  '',
  ' ',
  '-'.repeat(36),
  'a'.repeat(36),
  '0'.repeat(36),
  'f'.repeat(32),
  '00000000-0000-0000-0000-000000000000',
  '9223372036854775807',
  '9223372036854775808',
  '18446744073709551616',
  '99999999999999999999999',
  '-1',
  '0',
  '1e309',
  'NaN',
  'Infinity',
  '0000-01-01T00:00:00Z',
  '2026-01-01T00:00:00+99:99',
  '2025-02-30T00:00:00Z',
  '2026-01-01T00:00:00-00:60',
  '../../etc/passwd',
  "' OR 1=1 --",
  '<script>',
  '%00',
  '😀',
  'x'.repeat(5000),
  'all',
  'pending',
  'intune',
  'jamf',
];
const RAW_SEGMENTS = ['%00', '%ED%A0%80', '%zz', '%', '%C0%AF', '..', '.', '%2F', 'a%00b', '%FF%FE'];
const ODD_TOKENS = [
  `eucora.${'-'.repeat(36)}.${'A'.repeat(43)}`,
  `eucora.${'a'.repeat(36)}.${'A'.repeat(43)}`,
  `eucora.${'0'.repeat(36)}.${'A'.repeat(43)}`,
  `eucora.${randomUUID()}.${'A'.repeat(43)}`,
  `eucora.${randomUUID().toUpperCase()}.${'A'.repeat(43)}`,
  'eucora..',
  'eucora',
  '\u00ff'.repeat(8),
  'x'.repeat(4000),
];
const QUERY_KEYS = [
  'status',
  'cursor',
  'limit',
  'intent',
  'state',
  'plane',
  'submitter',
  'riskBand',
  'packageName',
  'aggregateType',
  'aggregateId',
  'type',
  'from',
  'to',
];

function deep(levels: number, kind: 'array' | 'object'): string {
  return kind === 'array' ? '['.repeat(levels) + ']'.repeat(levels) : '{"a":'.repeat(levels) + '1' + '}'.repeat(levels);
}

function leafPaths(v: unknown, prefix: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  if (v !== null && typeof v === 'object') {
    const entries = Array.isArray(v) ? v.map((x, i) => [i, x] as const) : Object.entries(v);
    if (entries.length === 0) out.push(prefix);
    for (const [k, x] of entries) leafPaths(x, [...prefix, k], out);
  } else out.push(prefix);
  return out;
}

function setAt(v: unknown, path: (string | number)[], value: unknown): unknown {
  if (path.length === 0) return value;
  const copy = (Array.isArray(v) ? [...v] : { ...(v as object) }) as Record<string | number, unknown>;
  copy[path[0]!] = setAt(copy[path[0]!], path.slice(1), value);
  return copy;
}

const poisonString = fc.oneof(fc.constantFrom(...POISON), fc.string({ unit: 'binary', maxLength: 40 }));
const anyValue = fc.oneof(
  poisonString,
  fc.jsonValue({ maxDepth: 3, stringUnit: 'binary' }),
  fc.constantFrom(null, true, -1, 1e308, 2 ** 63, [], {}),
);

/** A body for `route`: its valid sample with one leaf (or key) poisoned, random JSON, deep nesting or non-JSON text. */
function bodyArb(route: RouteEntry): fc.Arbitrary<{ text: string; contentType: string } | undefined> {
  const sample = sampleBody(route.method, route.path);
  const paths = sample === undefined ? [[]] : leafPaths(sample);
  const json = (v: unknown) => ({ text: JSON.stringify(v) ?? 'null', contentType: 'application/json' });
  const fields = typeof sample === 'object' && sample ? sample : {};
  const levels = fc.tuple(fc.constantFrom(63, 65, 200, 3000, 20_000), fc.constantFrom<'array' | 'object'>('array', 'object'));
  const deepBody = ([n, kind]: [number, 'array' | 'object']) => ({
    text: JSON.stringify({ ...fields, vulnerabilityReport: '@@' }).replace('"@@"', deep(n, kind)),
    contentType: 'application/json',
  });
  const broken = ['{"a":', 'not json', '[1,2', '"\\ud800"', 'null', '{"__proto__":{"x":1}}'];
  return fc.oneof(
    { weight: 5, arbitrary: fc.tuple(fc.nat(), anyValue).map(([i, v]) => json(setAt(sample ?? {}, paths[i % paths.length]!, v))) },
    { weight: 1, arbitrary: fc.tuple(poisonString).map(([k]) => json({ ...fields, [k]: 'v' })) },
    { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 4, stringUnit: 'binary' }).map(json) },
    { weight: 1, arbitrary: levels.map(deepBody) },
    { weight: 1, arbitrary: fc.constantFrom(...broken).map((text) => ({ text, contentType: 'application/json' })) },
    { weight: 1, arbitrary: fc.string({ maxLength: 50 }).map((text) => ({ text, contentType: 'text/plain' })) },
    { weight: 1, arbitrary: fc.constant(undefined) },
  );
}

describe('request fuzz over every route (real PostgreSQL, Temporal, MinIO)', () => {
  let api: Awaited<ReturnType<typeof startTestApi>>;
  let server: Server;
  let base: { port: number };
  let a: SecurityTenant;
  let routes: RouteEntry[];
  let baseline: Record<string, string>;
  const stats = { cases: 0, byStatus: new Map<number, number>() };

  before(async () => {
    api = await startTestApi();
    // The production server setup (timeouts, problem+json for requests node refuses before express).
    server = createApiServer(api.app, {
      headersTimeoutMs: api.config.API_HEADERS_TIMEOUT_MS,
      requestTimeoutMs: api.config.API_REQUEST_TIMEOUT_MS,
    });
    base = await listen(server);
    a = await createSecurityTenant(api.ds, base);
    routes = routeTable(api.app);
    baseline = await tenantState(api.ds, a.tenantId);
  });
  after(async () => {
    const statuses = JSON.stringify(Object.fromEntries(stats.byStatus));
    process.stdout.write(`# fuzz: ${stats.cases} cases over ${routes?.length} routes; statuses ${statuses}\n`);
    await new Promise((r) => server.close(r));
    await api.close();
  });

  /** Sends and checks the invariants; returns the response for case-specific assertions. */
  async function check(method: string, path: string, opts: SendOptions = {}): Promise<RawResponse> {
    const res = await send(base, method, path, opts);
    stats.cases++;
    stats.byStatus.set(res.status, (stats.byStatus.get(res.status) ?? 0) + 1);
    const what = `${method} ${path.slice(0, 200)} body=${(opts?.body ?? '').slice(0, 200)} → ${res.status} ${res.text.slice(0, 300)}`;
    assert.ok(res.status < 500, `5xx: ${what}`);
    if (res.status >= 400) {
      assert.match(res.contentType, /^application\/problem\+json/, `not problem+json: ${what}`);
      assert.equal(JSON.parse(res.text).status, res.status, what);
      const now = await tenantState(api.ds, a.tenantId);
      assert.deepEqual(now, baseline, `a rejected request changed state: ${what}`);
    } else {
      baseline = await tenantState(api.ds, a.tenantId);
    }
    return res;
  }

  it('reads the route list from the app (new routes are covered automatically)', () => {
    assert.ok(routes.length >= 30, `only ${routes.length} routes found`);
    const expected = [
      'POST /api/v1/admin/tokens/:id/rotate',
      'POST /api/v1/cab/items/:id/reject',
      'GET /api/v1/audit/events',
      'PUT /api/v1/connectors/:plane',
    ];
    for (const r of expected) {
      assert.ok(
        routes.some((x) => `${x.method} ${x.path}` === r),
        r,
      );
    }
  });

  it('targeted poison cases are refused with 400 naming the field, and change nothing', async () => {
    const { intent, exception, cabItem } = a.ids;
    const intentBody = sampleBody('POST', '/api/v1/deployment-intents') as object;
    const withKey = (body: string): SendOptions => ({ token: a.allRoles, body, headers: { 'idempotency-key': `k-${randomUUID()}` } });
    const cases: [string, string, unknown, string][] = [];
    for (const bad of ['stop\u0000now', 'stop\ud800now']) {
      cases.push(['POST', `/api/v1/deployment-intents/${intent}/cancel`, { reason: bad }, 'reason']);
      cases.push(['POST', `/api/v1/cab/items/${cabItem}/reject`, { evidenceHash: 'e'.repeat(64), comment: bad }, 'comment']);
      cases.push(['POST', `/api/v1/exceptions/${exception}/reject`, { comment: bad }, 'comment']);
      cases.push(['POST', '/api/v1/admin/tokens', { name: bad, roles: ['auditor'] }, 'name']);
      cases.push(['POST', '/api/v1/deployment-intents', { ...intentBody, title: bad }, 'title']);
      cases.push(['POST', '/api/v1/admin/tokens', { [`ro${bad}les`]: ['auditor'], name: 'n' }, 'ro\\u0000les']);
    }
    for (const [method, path, body, field] of cases) {
      const res = await check(method, path, withKey(JSON.stringify(body)));
      assert.equal(res.status, 400, `${path} ${JSON.stringify(body).slice(0, 80)} → ${res.status} ${res.text}`);
      const errors = JSON.parse(res.text).errors as { path: string }[];
      assert.ok(
        errors.some((e) => e.path === field || (field.startsWith('ro') && e.path.startsWith('ro'))),
        `names ${field}: ${res.text}`,
      );
    }
    for (const levels of [65, 3000, 100_000]) {
      const text = JSON.stringify({ ...intentBody, vulnerabilityReport: '@@' }).replace('"@@"', deep(levels, 'object'));
      const res = await check('POST', '/api/v1/deployment-intents', withKey(text));
      assert.equal(res.status, 400, `${levels} levels → ${res.status}`);
      assert.match(res.text, /nested deeper than 64/);
    }
    for (const date of ['2026-01-01T00:00:00+99:99', '0000-06-01T00:00:00Z', '2026-02-30T00:00:00Z']) {
      const body = JSON.stringify({ ...(sampleBody('POST', '/api/v1/exceptions') as object), expiresAt: date });
      const res = await check('POST', '/api/v1/exceptions', { token: a.allRoles, body });
      assert.equal(res.status, 400, date);
      assert.ok(
        (JSON.parse(res.text).errors as { path: string }[]).some((e) => e.path === 'expiresAt'),
        res.text,
      );
      const q = await check('GET', `/api/v1/audit/events?from=${encodeURIComponent(date)}`, { token: a.allRoles });
      assert.equal(q.status, 400, `audit from=${date}`);
    }
    for (const cursor of ['9223372036854775808', '99999999999999999999999', '1.5', '-1', 'abc']) {
      const res = await check('GET', `/api/v1/audit/events?cursor=${cursor}`, { token: a.allRoles });
      assert.equal(res.status, 400, `cursor ${cursor}`);
    }
    for (const id of ['-'.repeat(36), 'a'.repeat(36), 'not-a-uuid', '%00', '%ED%A0%80']) {
      for (const op of ['disable', 'rotate']) {
        const res = await check('POST', `/api/v1/admin/tokens/${id}/${op}`, { token: a.allRoles });
        assert.equal(res.status, 400, `${op} ${id}`);
      }
    }
    for (const token of ODD_TOKENS) {
      const res = await check('GET', '/api/v1/deployment-intents', { token });
      assert.equal(res.status, 401, `token ${token.slice(0, 60)}`);
    }
    const huge = await check('GET', `/api/v1/health/live?${'x'.repeat(20_000)}`, {});
    assert.equal(huge.status, 431);
    for (const q of ['%00=1', 'status=%00', 'cursor=%ED%A0%80', 'a%00b=1']) {
      const res = await check('GET', `/api/v1/cab/items?${q}`, { token: a.allRoles });
      assert.equal(res.status, 400, q);
    }
  });

  const title = `fuzzes every route (${RUNS_PER_ROUTE} cases each): no 5xx, problem+json errors, rejected requests change nothing`;
  it(title, { timeout: 600_000 }, async () => {
    const started = Date.now();
    for (const route of routes) {
      const segment = fc.oneof(
        // The fixture evidence pack has no stored bytes: what /content and /verify answer then is issue 8 finding 4, not intake.
        { weight: 3, arbitrary: fc.constantFrom(a.ids.intent, a.ids.exception, a.ids.cabItem, a.ids.token, a.ids.plane, 'intune') },
        { weight: 2, arbitrary: fc.uuid().map(String) },
        { weight: 3, arbitrary: poisonString.map(encode) },
        { weight: 2, arbitrary: fc.constantFrom(...RAW_SEGMENTS) },
      );
      const queryKey = fc.oneof(fc.constantFrom(...QUERY_KEYS), poisonString);
      const query = fc.dictionary(queryKey, fc.oneof(poisonString, fc.array(poisonString, { maxLength: 3 })), { maxKeys: 3 });
      const token = fc.oneof(
        { weight: 8, arbitrary: fc.constant<string | undefined>(a.allRoles) },
        { weight: 1, arbitrary: fc.constantFrom(...ODD_TOKENS) },
        { weight: 1, arbitrary: fc.constant(undefined) },
      );
      await fc.assert(
        fc.asyncProperty(segment, query, bodyArb(route), token, fc.boolean(), async (seg, q, body, tok, withKey) => {
          if (route.path.includes('/:id/rotate') || route.path.includes('/:id/disable')) {
            // Never let the fuzz disable the token it authenticates with.
            if (seg === a.allRoles.split('.')[1]) return;
          }
          const qs = Object.entries(q)
            .flatMap(([k, v]) => (Array.isArray(v) ? v : [v]).map((x) => `${encode(k)}=${encode(x)}`))
            .join('&');
          const path = fillPath(route.path, () => seg) + (qs ? `?${qs}` : '');
          const headers: Record<string, string> = withKey ? { 'idempotency-key': `fuzz-${randomUUID()}` } : {};
          const artifact = route.path === '/api/v1/artifacts';
          await check(route.method, path, {
            token: tok,
            body: body?.text,
            // Artifacts are raw bytes; half the time they still arrive labelled JSON, as a confused client would send them.
            contentType: artifact && body && withKey ? 'application/octet-stream' : body?.contentType,
            headers,
          });
        }),
        { numRuns: RUNS_PER_ROUTE },
      );
    }
    process.stdout.write(`# fuzz: ${stats.cases} cases in ${Date.now() - started} ms\n`);
    assert.ok(stats.cases >= routes.length * RUNS_PER_ROUTE);
  });
});
