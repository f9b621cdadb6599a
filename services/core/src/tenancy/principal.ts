import type { Role } from './roles';

/** Who is calling: resolved from a bearer token by the API and passed down to every service call. */
export interface Principal {
  tenantId: string;
  tokenId: string;
  /** Human-readable name of the token (e.g. "alice (release engineer)"); recorded as the actor of events. */
  actor: string;
  roles: readonly Role[];
}
