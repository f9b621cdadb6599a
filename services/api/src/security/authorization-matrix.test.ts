// Generated authorization test (DESIGN §6): every route of the app × every role × own/other tenant, compared with the
// authorization matrix of docs/api.md. The doc is the expectation: a route missing from it, a cell that disagrees with
// the Endpoints/Roles tables, or a response that disagrees with the cell fails the test.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createServer, type Server } from 'node:http';
import { randomUUID } from 'node:crypto';
import { ROLE_PERMISSIONS, ROLES, type Role } from '@eucora/core';
import { routeTable, type RouteEntry } from '../http/route-table';
import { startTestApi } from '../test-support/test-stack';
import { createSecurityTenant, fillPath, listen, sampleBody, send, type SecurityTenant } from '../test-support/security-fixtures';

const DOC = readFileSync(path.resolve(__dirname, '../../../../docs/api.md'), 'utf8');

/** Rows of the first markdown table after `heading`, as trimmed cells. */
function tableAfter(heading: string): string[][] {
  const start = DOC.indexOf(`\n${heading}\n`);
  assert.ok(start >= 0, `docs/api.md has a "${heading}" section`);
  const lines = DOC.slice(start + heading.length + 2).split('\n');
  const first = lines.findIndex((l) => l.startsWith('|'));
  const rows: string[][] = [];
  for (const line of lines.slice(first)) {
    if (!line.startsWith('|')) break;
    rows.push(
      line
        .slice(1, -1)
        .split('|')
        .map((c) => c.trim()),
    );
  }
  return rows.slice(2); // header and separator
}

const codePaths = (cell: string) => [...cell.matchAll(/`([^`]+)`/g)].map((m) => m[1]!.split('?')[0]!);

/** `METHOD path` → required permission (null = public), from the Endpoints table. */
function docPermissions(): Map<string, string | null> {
  const out = new Map<string, string | null>();
  for (const [method, paths, permission] of tableAfter('## Endpoints (this release)')) {
    for (const p of codePaths(paths!)) out.set(`${method} ${p}`, permission === '—' ? null : permission!.replace(/`/g, ''));
  }
  return out;
}

/** role → permissions, from the Roles table. */
function docRoles(): Map<string, Set<string>> {
  return new Map(tableAfter('## Roles').map(([role, perms]) => [role!, new Set(perms!.split(',').map((p) => p.trim()))]));
}

/** `METHOD path` → role → allowed, from the Authorization matrix. */
function docMatrix(): { roles: string[]; cells: Map<string, Map<string, boolean>> } {
  const start = DOC.indexOf('\n## Authorization matrix\n');
  assert.ok(start >= 0, 'docs/api.md has an "Authorization matrix" section');
  const header = DOC.slice(start)
    .split('\n')
    .find((l) => l.startsWith('| route'))!;
  const roles = header
    .slice(1, -1)
    .split('|')
    .map((c) => c.trim())
    .slice(1);
  const cells = new Map<string, Map<string, boolean>>();
  for (const [route, ...marks] of tableAfter('## Authorization matrix')) {
    const key = route!.replace(/`/g, '');
    cells.set(key, new Map(roles.map((r, i) => [r, marks[i] === '✓'])));
  }
  return { roles, cells };
}

describe('authorization matrix: every route × role × own/other tenant, as docs/api.md says', () => {
  let api: Awaited<ReturnType<typeof startTestApi>>;
  let server: Server;
  let base: { port: number };
  let a: SecurityTenant;
  let b: SecurityTenant;
  let routes: RouteEntry[];

  before(async () => {
    api = await startTestApi();
    server = createServer(api.app);
    base = await listen(server);
    a = await createSecurityTenant(api.ds, base);
    b = await createSecurityTenant(api.ds, base);
    routes = routeTable(api.app);
  });
  after(async () => {
    await new Promise((r) => server.close(r));
    await api.close();
  });

  it('the doc matrix covers exactly the app routes and agrees with the Endpoints and Roles tables and with the code', () => {
    const { roles, cells } = docMatrix();
    assert.deepEqual([...roles].sort(), [...ROLES].sort(), 'matrix columns are the roles');
    const perms = docPermissions();
    const roleDoc = docRoles();
    const appKeys = routes.map((r) => `${r.method} ${r.path}`).sort();
    assert.deepEqual([...cells.keys()].sort(), appKeys, 'matrix rows = routes of the app');
    assert.deepEqual([...perms.keys()].sort(), appKeys, 'Endpoints rows = routes of the app');
    for (const role of ROLES) {
      assert.deepEqual([...roleDoc.get(role)!].sort(), [...ROLE_PERMISSIONS[role]].sort(), `Roles table row ${role} = code`);
    }
    for (const [key, byRole] of cells) {
      const perm = perms.get(key)!;
      for (const role of ROLES) assert.equal(byRole.get(role), perm === null || roleDoc.get(role)!.has(perm), `${key} × ${role}`);
    }
  });

  /** The tenant's resource id a route's `:param` refers to. */
  function idFor(t: SecurityTenant, route: string, param: string, own: boolean): string {
    if (param === 'plane') return t.ids.plane;
    if (route.includes('/admin/tokens/')) return t.ids.token;
    if (route.includes('/deployment-intents/')) return t.ids.intent;
    if (route.includes('/cab/items/')) return t.ids.cabItem;
    if (route.includes('/exceptions/')) return t.ids.exception;
    // The fixture pack has no stored bytes; the own-tenant probe only needs to pass authorization (404 is fine).
    if (route.includes('/evidence-packs/')) return own ? randomUUID() : t.ids.evidencePack;
    return randomUUID();
  }

  it('every route × role × tenant answers as the matrix says; other tenants never see data', { timeout: 300_000 }, async () => {
    const { cells } = docMatrix();
    let checked = 0;
    const secrets = (t: SecurityTenant) => [t.tenantId, t.ids.intent, t.ids.exception, t.ids.cabItem, t.ids.token, t.ids.evidencePack];
    for (const route of routes) {
      const expected = cells.get(`${route.method} ${route.path}`)!;
      for (const role of ROLES as readonly Role[]) {
        for (const own of [true, false]) {
          // Own: A's token on A's resources. Other: B's token (same role) on A's resources.
          const caller = own ? a : b;
          const p = fillPath(route.path, (param) => idFor(a, route.path, param, own));
          const body = sampleBody(route.method, route.path);
          const res = await send(base, route.method, p, {
            token: caller.roleTokens[role],
            body: body === undefined ? undefined : JSON.stringify(body),
            headers: { 'idempotency-key': `matrix-${randomUUID()}` },
          });
          checked++;
          const what = `${route.method} ${p} as ${role} (${own ? 'own' : 'other'} tenant) → ${res.status} ${res.text.slice(0, 200)}`;
          assert.ok(res.status < 500, what);
          if (!expected.get(role)) {
            assert.equal(res.status, 403, `denied by the matrix: ${what}`);
            continue;
          }
          assert.ok(res.status !== 401 && res.status !== 403, `allowed by the matrix: ${what}`);
          if (!own) {
            // Ids the caller sent may be echoed (problem `instance`); any other id of tenant A is a leak.
            for (const s of secrets(a).filter((x) => !p.includes(x))) assert.ok(!res.text.includes(s), `other tenant saw ${s}: ${what}`);
            if (route.path.includes(':id')) assert.equal(res.status, 404, `other tenant's id must be 404: ${what}`);
          }
        }
      }
    }
    process.stdout.write(`# authorization matrix: ${routes.length} routes × ${ROLES.length} roles × 2 tenants = ${checked} requests\n`);
    assert.equal(checked, routes.length * ROLES.length * 2);
  });
});
