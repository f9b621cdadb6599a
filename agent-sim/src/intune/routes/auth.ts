import { randomBytes, randomUUID } from 'node:crypto';
import type express from 'express';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { graphError } from '../graph-http';
import type { IntuneState } from '../intune-state';

/** `POST /{tenant}/oauth2/v2.0/token`: client credentials only; a wrong client answers AADSTS7000215 like Entra. */
export function registerTokenRoute(
  app: express.Express,
  state: IntuneState,
  credentials: { clientId: string; clientSecret: string },
): void {
  app.post('/:tenant/oauth2/v2.0/token', (req, res) => {
    const b = (req.body ?? {}) as Record<string, string>;
    if (b.grant_type !== 'client_credentials' || b.client_id !== credentials.clientId || b.client_secret !== credentials.clientSecret) {
      return void res.status(400).json({
        error: 'invalid_client',
        error_description: 'AADSTS7000215: Invalid client secret provided.',
        error_codes: [7000215],
        timestamp: new Date().toISOString(),
        trace_id: randomUUID(),
        correlation_id: randomUUID(),
      });
    }
    const token = randomBytes(24).toString('base64url');
    state.tokens.add(token);
    res.json({ token_type: 'Bearer', expires_in: 3599, ext_expires_in: 3599, access_token: token });
  });
}

/** Middleware of every Graph route: a token this tenant issued, `client-request-id` echoed, `mobileApps` requests counted. */
export function bearerAuth(state: IntuneState): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    const h = req.header('authorization') ?? '';
    if (!h.startsWith('Bearer ') || !state.tokens.has(h.slice(7))) {
      return graphError(res, 401, 'InvalidAuthenticationToken', 'Access token is empty or invalid.');
    }
    const rid = req.header('client-request-id');
    if (rid) res.setHeader('client-request-id', rid);
    if (req.path.includes('/mobileApps')) state.counts.mobileAppsRequests++;
    next();
  };
}
