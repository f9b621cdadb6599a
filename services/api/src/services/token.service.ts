import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { NotFoundError, UnauthenticatedError, type Principal, type Role } from '@eucora/core';
import type { ApiTokenEntity, ApiTokenRepository, EventRepository, Tx, UnitOfWork } from '@eucora/persistence';

/** Token wire format: `eucora.<token id>.<43-char base64url secret>`; the id lets us look the token up without scanning hashes. */
// The id part is a canonical UUID: anything looser (36 dashes, 36 hex digits) would reach PostgreSQL's uuid cast and fail there.
const TOKEN_RE = /^eucora\.([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.([A-Za-z0-9_-]{43})$/;

/** The repositories TokenService uses; a token change and its audit event share one `uow` transaction. */
export interface TokenStores {
  tokens: Pick<ApiTokenRepository, 'insert' | 'findForAuthentication' | 'findById' | 'list' | 'disable' | 'markRotated' | 'touch'>;
  events: Pick<EventRepository, 'append'>;
  uow: UnitOfWork;
}

/** A validated token request: its display name and roles. */
export interface TokenRequestInput {
  name: string;
  roles: Role[];
}

/** A token as listed: never the secret. */
export interface TokenView {
  id: string;
  name: string;
  roles: Role[];
  createdAt: string;
  disabledAt: string | null;
  rotatedAt: string | null;
  lastUsedAt: string | null;
  active: boolean;
}

/** A freshly issued token: the only time the secret is shown. */
export interface IssuedToken extends TokenView {
  token: string;
}

function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

function view(t: ApiTokenEntity): TokenView {
  return {
    id: t.id,
    name: t.name,
    roles: t.roles,
    createdAt: t.createdAt.toISOString(),
    disabledAt: t.disabledAt?.toISOString() ?? null,
    rotatedAt: t.rotatedAt?.toISOString() ?? null,
    lastUsedAt: t.lastUsedAt?.toISOString() ?? null,
    active: t.disabledAt === null,
  };
}

// Compared against when the token id is unknown, so unknown and wrong-secret cost the same.
const DUMMY_HASH = hashSecret('not-a-token');
const TOUCH_INTERVAL_MS = 60_000;

/** Issues, lists, disables and rotates API tokens, and authenticates bearer tokens. */
export class TokenService {
  private readonly tokens: TokenStores['tokens'];
  private readonly events: TokenStores['events'];
  private readonly lastTouched = new Map<string, number>();

  constructor(private readonly stores: TokenStores) {
    this.tokens = stores.tokens;
    this.events = stores.events;
  }

  /** Issues a token in `tenantId`. `actor` is who asked (recorded in the audit trail). */
  async issue(
    tenantId: string,
    input: TokenRequestInput,
    actor: { name: string; tokenId: string | null; correlationId: string },
  ): Promise<IssuedToken> {
    return this.stores.uow.transaction(async (em) => {
      const issued = await this.insertToken(tenantId, input.name, input.roles, actor.tokenId, em);
      await this.events.append(
        {
          tenantId,
          aggregateType: 'api_token',
          aggregateId: issued.id,
          eventType: 'token.created',
          actor: actor.name,
          reason: `Token "${issued.name}" issued with roles ${issued.roles.join(', ')}`,
          data: { action: 'issue_token', outcome: 'issued', roles: issued.roles },
          correlationId: actor.correlationId,
          dedupeKey: `token.created:${issued.id}`,
        },
        em,
      );
      return issued;
    });
  }

  private async insertToken(tenantId: string, name: string, roles: Role[], createdBy: string | null, em: Tx): Promise<IssuedToken> {
    const id = randomUUID();
    const secret = randomBytes(32).toString('base64url');
    const entity = await this.tokens.insert({ id, tenantId, name, roles, secretHash: hashSecret(secret), createdBy }, em);
    return { ...view(entity), token: `eucora.${id}.${secret}` };
  }

  async list(tenantId: string): Promise<TokenView[]> {
    return (await this.tokens.list(tenantId)).map(view);
  }

  async disable(tenantId: string, id: string, actor: { name: string; correlationId: string }): Promise<TokenView> {
    return this.stores.uow.transaction(async (em) => {
      const changed = await this.tokens.disable(tenantId, id, new Date(), em);
      const token = await this.tokens.findById(tenantId, id, em);
      if (!token) throw new NotFoundError(`Token ${id} not found`);
      if (changed) {
        await this.events.append(
          {
            tenantId,
            aggregateType: 'api_token',
            aggregateId: id,
            eventType: 'token.disabled',
            actor: actor.name,
            reason: `Token "${token.name}" disabled`,
            data: { action: 'disable_token', outcome: 'disabled' },
            correlationId: actor.correlationId,
            dedupeKey: `token.disabled:${id}`,
          },
          em,
        );
      }
      return view(token);
    });
  }

  /** Replaces an active token with a new one of the same name and roles; the old one stops working at once. */
  async rotate(tenantId: string, id: string, actor: { name: string; tokenId: string; correlationId: string }): Promise<IssuedToken> {
    return this.stores.uow.transaction(async (em) => {
      const old = await this.tokens.findById(tenantId, id, em, true);
      if (!old) throw new NotFoundError(`Token ${id} not found`);
      if (old.disabledAt) throw new NotFoundError(`Token ${id} is disabled and cannot be rotated; issue a new token`);
      await this.tokens.markRotated(tenantId, id, new Date(), em);
      const issued = await this.insertToken(tenantId, old.name, old.roles, actor.tokenId, em);
      await this.events.append(
        {
          tenantId,
          aggregateType: 'api_token',
          aggregateId: id,
          eventType: 'token.rotated',
          actor: actor.name,
          reason: `Token "${old.name}" rotated; replaced by ${issued.id}`,
          data: { action: 'rotate_token', outcome: 'rotated', replacedBy: issued.id },
          correlationId: actor.correlationId,
          dedupeKey: `token.rotated:${id}`,
        },
        em,
      );
      return issued;
    });
  }

  /** Resolves a bearer token to a principal, or throws `UnauthenticatedError` (never saying which part was wrong). */
  async authenticate(bearer: string | undefined): Promise<Principal> {
    const match = bearer ? TOKEN_RE.exec(bearer) : null;
    const token = match ? await this.tokens.findForAuthentication(match[1]!) : null;
    const presented = Buffer.from(hashSecret(match?.[2] ?? ''), 'hex');
    const expected = Buffer.from(token?.secretHash ?? DUMMY_HASH, 'hex');
    const secretOk = timingSafeEqual(presented, expected);
    if (!token || !secretOk || token.disabledAt !== null) throw new UnauthenticatedError('Invalid, disabled or rotated token');
    this.maybeTouch(token.id);
    return { tenantId: token.tenantId, tokenId: token.id, actor: token.name, roles: token.roles };
  }

  private maybeTouch(id: string): void {
    const now = Date.now();
    if ((this.lastTouched.get(id) ?? 0) + TOUCH_INTERVAL_MS > now) return;
    this.lastTouched.set(id, now);
    void this.tokens.touch(id, new Date(now)).catch(() => undefined);
  }
}
