import type { Express, RequestHandler } from 'express';
import { routeTable, type RouteEntry } from './route-table';
import { findUnsafeInput, InputError, jsonTextDepthExceeds, MAX_JSON_DEPTH, unsafeTextReason, type FieldIssue } from '@eucora/core';

/**
 * `verify` hook of the JSON body parser: refuses a body nested deeper than `MAX_JSON_DEPTH` before it is parsed,
 * so no later recursive step (zod, canonical JSON, jsonb) ever sees thousands of levels.
 */
export function refuseDeepJson(_req: unknown, _res: unknown, buf: Buffer): void {
  if (jsonTextDepthExceeds(buf, MAX_JSON_DEPTH)) {
    throw new InputError(`The request body is nested deeper than ${MAX_JSON_DEPTH} levels`, [
      { path: '(body)', message: `is nested deeper than ${MAX_JSON_DEPTH} levels` },
    ]);
  }
}

/** Name of the route parameter at segment `index` of `segments`, when a route template of the app matches the path's shape. */
function paramName(routes: readonly RouteEntry[], segments: readonly string[], index: number): string | undefined {
  for (const r of routes) {
    const parts = r.path.split('/');
    if (parts.length !== segments.length) continue;
    if (parts.every((p, i) => p.startsWith(':') || i === index || p === segments[i])) {
      const p = parts[index]!;
      if (p.startsWith(':')) return p.slice(1);
    }
  }
  return undefined;
}

function pathIssues(rawPath: string, routes: () => readonly RouteEntry[]): FieldIssue[] {
  const issues: FieldIssue[] = [];
  const segments = rawPath.split('/');
  segments.forEach((segment, i) => {
    if (!segment.includes('%')) return;
    let why: string | null;
    try {
      why = unsafeTextReason(decodeURIComponent(segment));
    } catch {
      why = 'is not valid percent-encoded UTF-8';
    }
    // Named like the route parameter (`id`, `plane`) when the path fits a route, else by segment position.
    if (why) issues.push({ path: paramName(routes(), segments, i) ?? `path[${i}]`, message: `path segment ${why}` });
  });
  return issues;
}

/**
 * The one intake check of every request (DESIGN §5): no NUL, no lone surrogate in any string or key of the body,
 * the query or the path, and bounded nesting. Runs after body parsing and before any router, so no route can forget it.
 */
export function inputGuard(): RequestHandler {
  let routes: RouteEntry[] | undefined;
  return (req, _res, next) => {
    // Read lazily: routers are mounted after this middleware.
    const issues = [
      ...pathIssues(req.path, () => (routes ??= routeTable(req.app as Express))),
      ...findUnsafeInput(req.query, { root: 'query' }),
      ...(req.body === undefined ? [] : findUnsafeInput(req.body)),
    ];
    if (issues.length === 0) return next();
    const first = issues[0]!;
    next(new InputError(`Invalid request: ${first.path}: ${first.message}`, issues));
  };
}
