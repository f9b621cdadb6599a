import { randomUUID } from 'node:crypto';
import type { Request, Response } from 'express';
import type { IntuneState, SimApp, SimContentVersion, SimFile } from './intune-state';

/** Graph serves the app routes under both API versions. */
export const GRAPH_BASES = ['/beta/deviceAppManagement', '/v1.0/deviceAppManagement'];
/** The derived-type cast in content routes. */
export const CAST = '/microsoft.graph.win32LobApp';
export const B64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** Graph's JSON error body. */
export function graphError(res: Response, status: number, code: string, message: string): void {
  res.status(status).json({ error: { code, message, innerError: { 'request-id': randomUUID(), date: new Date().toISOString() } } });
}

/** Azure Storage's XML error body. */
export function azureError(res: Response, status: number, code: string, message: string): void {
  res
    .status(status)
    .type('application/xml')
    .setHeader('x-ms-error-code', code)
    .send(`<?xml version="1.0" encoding="utf-8"?><Error><Code>${code}</Code><Message>${message}</Message></Error>`);
}

/** Parses `displayName eq 'x'` (quotes doubled inside, as OData escapes them). */
export function displayNameFilter(filter: unknown): string | null {
  if (typeof filter !== 'string') return null;
  const m = /^displayName eq '((?:[^']|'')*)'$/.exec(filter.trim());
  return m ? m[1]!.replace(/''/g, "'") : null;
}

/** The app of `:id`, settled; else a 404 is sent and undefined returned. */
export function findApp(state: IntuneState, req: Request, res: Response): SimApp | undefined {
  const a = state.apps.get(String(req.params.id));
  if (!a) graphError(res, 404, 'ResourceNotFound', 'Resource not found');
  else state.settle(a);
  return a;
}

/** The content version of `:id/…/contentVersions/:cv`; else a 404 is sent. */
export function findCv(state: IntuneState, req: Request, res: Response): { a: SimApp; cv: SimContentVersion } | undefined {
  const a = findApp(state, req, res);
  if (!a) return undefined;
  const cv = a.contentVersions.get(String(req.params.cv));
  if (!cv) return void graphError(res, 404, 'ResourceNotFound', 'Content version not found');
  return { a, cv };
}

/** The content file of `…/files/:file`, settled; else a 404 is sent. */
export function findFile(state: IntuneState, req: Request, res: Response): { a: SimApp; f: SimFile } | undefined {
  const x = findCv(state, req, res);
  if (!x) return undefined;
  const f = x.cv.files.get(String(req.params.file));
  if (!f) return void graphError(res, 404, 'ResourceNotFound', 'Content file not found');
  state.settle(x.a, f);
  return { a: x.a, f };
}
