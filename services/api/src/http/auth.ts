import type { RequestHandler, Response } from 'express';
import { isUnauthenticatedError, NotAllowedError, rolesGrant, UnauthenticatedError, type Permission, type Principal } from '@eucora/core';
import type { TokenService } from '../services/token.service';
import type { ApiRateLimiter } from './rate-limit';

/** What `authenticate` needs of the token service: bearer token to principal, or `UnauthenticatedError`. */
export type Authenticator = Pick<TokenService, 'authenticate'>;

/**
 * Resolves `Authorization: Bearer …` into `res.locals.principal`; 401 otherwise. When the app installed a rate limiter,
 * the token and tenant are charged here (429 when over), and failed authentications are charged to the client address.
 */
export function authenticate(tokens: Authenticator): RequestHandler {
  return async (req, res, next) => {
    const limiter = res.locals.rateLimiter as ApiRateLimiter | undefined;
    const header = req.header('authorization');
    const bearer = header?.startsWith('Bearer ') ? header.slice(7).trim() : undefined;
    if (!bearer) return limiter && !limiter.admitAnonymous(req, res) ? undefined : next(new UnauthenticatedError());
    try {
      const principal = await tokens.authenticate(bearer);
      res.locals.principal = principal;
      res.locals.tenantId = principal.tenantId;
      if (limiter && !limiter.admit(res, principal)) return;
      next();
    } catch (err) {
      if (limiter && isUnauthenticatedError(err) && !limiter.admitAnonymous(req, res)) return;
      next(err);
    }
  };
}

/** 403 unless one of the caller's roles grants `permission`. */
export function requirePermission(permission: Permission): RequestHandler {
  return (_req, res, next) => {
    const principal = res.locals.principal as Principal | undefined;
    if (!principal) return next(new UnauthenticatedError());
    if (!rolesGrant(principal.roles, permission)) {
      return next(
        new NotAllowedError(`This action needs the "${permission}" permission, which roles ${principal.roles.join(', ')} do not grant`),
      );
    }
    next();
  };
}

/** The authenticated caller; only valid behind `authenticate`. */
export function principalOf(res: Response): Principal {
  return res.locals.principal as Principal;
}
