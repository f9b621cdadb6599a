import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { InputError } from '@eucora/core';
import { TenantRepository } from '@eucora/persistence';
import { TokenService, type IssuedToken } from './token.service';

/** Result of creating a tenant: its id and its first admin token (shown once). */
export interface TenantBootstrap {
  tenantId: string;
  slug: string;
  adminToken: IssuedToken;
}

/** Creates a tenant with one admin token. Operators run this through the CLI; `npm start` runs it once on first start. */
export async function createTenantWithAdmin(ds: DataSource, slug: string, name: string): Promise<TenantBootstrap> {
  if (!/^[a-z0-9][a-z0-9-]{1,62}$/.test(slug)) {
    throw new InputError('Invalid tenant slug', [{ path: 'slug', message: 'must be 2-63 characters of a-z, 0-9 and -' }]);
  }
  const tenants = new TenantRepository(ds);
  const tenantId = randomUUID();
  await tenants.create({ id: tenantId, slug, name });
  const adminToken = await new TokenService(ds).issue(
    tenantId,
    { name: `${slug} bootstrap admin`, roles: ['admin'] },
    { name: 'system:bootstrap', tokenId: null, correlationId: `bootstrap-${tenantId}` },
  );
  return { tenantId, slug, adminToken };
}

/** First-run bootstrap: creates the `default` tenant and its admin token only when no tenant exists yet. */
export async function bootstrapIfEmpty(ds: DataSource): Promise<TenantBootstrap | null> {
  if ((await new TenantRepository(ds).count()) > 0) return null;
  return createTenantWithAdmin(ds, 'default', 'Default tenant');
}
