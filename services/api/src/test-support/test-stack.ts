// Helpers for integration tests. `npm test` starts real PostgreSQL, Temporal and MinIO and exports their
// addresses in the environment; these helpers build real runtimes against them.
import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import type { DataSource } from 'typeorm';
import { loadServiceConfig, type ServiceConfig } from '@eucora/core';
import { createLogger } from '@eucora/runtime';
import { createTenantWithAdmin } from '../services/bootstrap.service';
import { TokenService } from '../services/token.service';
import { bootstrapStores, tokenStores } from '../stores';
import { wireApi, type ApiRuntime } from '../wiring';
import type { Role } from '@eucora/core';

export { sampleIntent } from '../testing/sample-intent';

/** Service config from the test stack's environment, with overrides. */
export function testConfig(overrides: Record<string, string> = {}): ServiceConfig {
  if (!process.env.DATABASE_URL) throw new Error('Integration tests run under `npm test`, which starts the real stack');
  return loadServiceConfig({ ...process.env, ...overrides });
}

/** Captures log lines for assertions. */
export class LogCapture extends Writable {
  readonly lines: string[] = [];
  override _write(chunk: Buffer, _enc: string, cb: () => void): void {
    this.lines.push(...chunk.toString().split('\n').filter(Boolean));
    cb();
  }
}

/** A wired API runtime against the test stack, plus captured logs. */
export async function startTestApi(
  overrides: Record<string, string> = {},
): Promise<ApiRuntime & { logs: LogCapture; config: ServiceConfig }> {
  const config = testConfig(overrides);
  const logs = new LogCapture();
  const logger = createLogger({ service: 'api', level: 'info', destination: logs });
  const runtime = await wireApi(config, logger);
  return Object.assign(runtime, { logs, config });
}

/** A fresh tenant with an admin token and helpers to issue role tokens. */
export interface TestTenant {
  tenantId: string;
  adminToken: string;
  issue(roles: Role[], name?: string): Promise<string>;
}

export async function createTestTenant(ds: DataSource): Promise<TestTenant> {
  const slug = `t-${randomUUID().slice(0, 8)}`;
  const t = await createTenantWithAdmin(bootstrapStores(ds), slug, `Test ${slug}`);
  const tokens = new TokenService(tokenStores(ds));
  return {
    tenantId: t.tenantId,
    adminToken: t.adminToken.token,
    issue: async (roles, name = roles.join('+')) =>
      (await tokens.issue(t.tenantId, { name, roles }, { name: 'test', tokenId: null, correlationId: 'test' })).token,
  };
}

/** Polls `fn` until it returns a truthy value or `timeoutMs` passes. */
export async function eventually<T>(fn: () => Promise<T | undefined | null | false>, timeoutMs = 30_000, intervalMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(`condition not met within ${timeoutMs} ms${last ? `: ${(last as Error).message}` : ''}`);
}
