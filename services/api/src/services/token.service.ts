import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { z } from 'zod';
import {
  InputError,
  inputErrorFromZod,
  isUuid,
  NotFoundError,
  ROLES,
  UnauthenticatedError,
  type Principal,
  type Role,
} from '@eucora/core';
import { ApiTokenRepository, EventRepository, type ApiTokenEntity } from '@eucora/persistence';

/** Token wire format: `eucora.<token id>.<43-char base64url secret>`; the id lets us look the token up without scanning hashes. */
// The id part is a canonical UUID: anything looser (36 dashes, 36 hex digits) would reach PostgreSQL's uuid cast and fail there.
const TOKEN_RE = /^eucora\.([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.([A-Za-z0-9_-]{43})$/;

/** Body of `POST /api/v1/admin/tokens`. */
export const createTokenSchema = z
  .object({
    name: z.string().trim().min(1).max(100),
    roles: z.array(z.enum(ROLES)).min(1).max(ROLES.length),
  })
  .strict();

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

function assertTokenId(id: string): void {
  if (!isUuid(id)) throw new InputError('Invalid token id', [{ path: 'id', message: 'must be a UUID' }]);
}

// Compared against when the token id is unknown, so unknown and wrong-secret cost the same.
const DUMMY_HASH = hashSecret('not-a-token');
const TOUCH_INTERVAL_MS = 60_000;

/** Issues, lists, disables and rotates API tokens, and authenticates bearer tokens. */
export class TokenService {
  private readonly tokens: ApiTokenRepository;
  private readonly events: EventRepository;
  private readonly lastTouched = new Map<string, number>();

  constructor(private readonly ds: DataSource) {
    this.tokens = new ApiTokenRepository(ds);
    this.events = new EventRepository(ds);
  }

  /** Issues a token in `tenantId`. `actor` is who asked (recorded in the audit trail). */
  async issue(tenantId: string, body: unknown, actor: { name: string; tokenId: string | null; correlationId: string }): Promise<IssuedToken> {
    const parsed = createTokenSchema.safeParse(body);
    if (!parsed.success) throw inputErrorFromZod(parsed.error, 'token request');
    return this.ds.transaction(async (em) => {
      const issued = await this.insertToken(tenantId, parsed.data.name, parsed.data.roles, actor.tokenId, em);
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

  private async insertToken(tenantId: string, name: string, roles: Role[], createdBy: string | null, em: Parameters<ApiTokenRepository['insert']>[1]): Promise<IssuedToken> {
    const id = randomUUID();
    const secret = randomBytes(32).toString('base64url');
    const entity = await this.tokens.insert({ id, tenantId, name, roles, secretHash: hashSecret(secret), createdBy }, em);
    return { ...view(entity), token: `eucora.${id}.${secret}` };
  }

  async list(tenantId: string): Promise<TokenView[]> {
    return (await this.tokens.list(tenantId)).map(view);
  }

  async disable(tenantId: string, id: string, actor: { name: string; correlationId: string }): Promise<TokenView> {
    assertTokenId(id);
    return this.ds.transaction(async (em) => {
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
    assertTokenId(id);
    return this.ds.transaction(async (em) => {
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
