import { randomUUID } from 'node:crypto';
import { InputError } from '@eucora/core';
import type { TenantRepository } from '@eucora/persistence';
import type { IssuedToken, TokenService } from './token.service';

/** Result of creating a tenant: its id and its first admin token (shown once). */
export interface TenantBootstrap {
  tenantId: string;
  slug: string;
  adminToken: IssuedToken;
}

/** What bootstrapping needs: the tenants and a token issuer (`bootstrapStores(ds)` wires the real ones). */
export interface BootstrapStores {
  tenants: Pick<TenantRepository, 'create' | 'count'>;
  tokens: Pick<TokenService, 'issue'>;
}

/** Creates a tenant with one admin token. Operators run this through the CLI; `npm start` runs it once on first start. */
export async function createTenantWithAdmin(stores: BootstrapStores, slug: string, name: string): Promise<TenantBootstrap> {
  if (!/^[a-z0-9][a-z0-9-]{1,62}$/.test(slug)) {
    throw new InputError('Invalid tenant slug', [{ path: 'slug', message: 'must be 2-63 characters of a-z, 0-9 and -' }]);
  }
  const tenantId = randomUUID();
  await stores.tenants.create({ id: tenantId, slug, name });
  const adminToken = await stores.tokens.issue(
    tenantId,
    { name: `${slug} bootstrap admin`, roles: ['admin'] },
    { name: 'system:bootstrap', tokenId: null, correlationId: `bootstrap-${tenantId}` },
  );
  return { tenantId, slug, adminToken };
}

/** First-run bootstrap: creates the `default` tenant and its admin token only when no tenant exists yet. */
export async function bootstrapIfEmpty(stores: BootstrapStores): Promise<TenantBootstrap | null> {
  if ((await stores.tenants.count()) > 0) return null;
  return createTenantWithAdmin(stores, 'default', 'Default tenant');
}
