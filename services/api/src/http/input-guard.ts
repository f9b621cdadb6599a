import type { RequestHandler } from 'express';
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

function pathIssues(rawPath: string): FieldIssue[] {
  const issues: FieldIssue[] = [];
  rawPath.split('/').forEach((segment, i) => {
    if (!segment.includes('%')) return;
    let decoded: string;
    try {
      decoded = decodeURIComponent(segment);
    } catch {
      issues.push({ path: `path[${i}]`, message: 'path segment is not valid percent-encoded UTF-8' });
      return;
    }
    const why = unsafeTextReason(decoded);
    if (why) issues.push({ path: `path[${i}]`, message: `path segment ${why}` });
  });
  return issues;
}

/**
 * The one intake check of every request (DESIGN §5): no NUL, no lone surrogate in any string or key of the body,
 * the query or the path, and bounded nesting. Runs after body parsing and before any router, so no route can forget it.
 */
export function inputGuard(): RequestHandler {
  return (req, _res, next) => {
    const issues = [
      ...pathIssues(req.path),
      ...findUnsafeInput(req.query, { root: 'query' }),
      ...(req.body === undefined ? [] : findUnsafeInput(req.body)),
    ];
    if (issues.length === 0) return next();
    const first = issues[0]!;
    next(new InputError(`Invalid request: ${first.path}: ${first.message}`, issues));
  };
}
