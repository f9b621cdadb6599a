import type express from 'express';
import type { RequestHandler } from 'express';
import { displayNameFilter, graphError } from '../graph-http';
import type { IntuneState } from '../intune-state';

/**
 * `GET /v1.0/groups?$filter=displayName eq '…'` for the fleet's groups (ring groups made at run time are served first, by
 * intune-ring-groups.ts, so register this after it).
 */
export function registerFleetGroupRoutes(app: express.Express, state: IntuneState, authed: RequestHandler): void {
  app.get('/v1.0/groups', authed, (req, res) => {
    const name = displayNameFilter(req.query.$filter);
    if (name === null) return graphError(res, 400, 'BadRequest', "Only $filter=displayName eq '…' is supported");
    const id = state.groupIds.get(name);
    res.json({ value: id ? [{ id, displayName: name }] : [] });
  });
}
