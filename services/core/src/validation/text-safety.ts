import type { FieldIssue } from '../errors/domain-errors';

/** Deepest JSON nesting (objects + arrays) accepted anywhere; real payloads (CycloneDX, VEX) stay well below it. */
export const MAX_JSON_DEPTH = 64;

const NUL = '\u0000';

// Node 20 has String.prototype.isWellFormed; the ES2022 lib of this repo does not declare it.
type WellFormedCheck = string & { isWellFormed(): boolean };

/** Why a string cannot be stored and hashed faithfully, or null when it can. */
export function unsafeTextReason(s: string): string | null {
  if (s.includes(NUL)) return 'must not contain NUL (U+0000) characters';
  // PostgreSQL would store a lone surrogate as U+FFFD, so the stored text would differ from the hashed text.
  if (!(s as WellFormedCheck).isWellFormed()) return 'must be well-formed Unicode (no lone surrogates)';
  return null;
}

function joinPath(parent: string, key: string | number): string {
  if (typeof key === 'number') return parent ? `${parent}[${key}]` : `[${key}]`;
  return parent ? `${parent}.${key}` : key;
}

/** Options of `findUnsafeInput`. */
export interface UnsafeInputOptions {
  /** Deepest nesting accepted; defaults to `MAX_JSON_DEPTH`. */
  maxDepth?: number;
  /** Prefix of every reported path, e.g. `query`; defaults to none. */
  root?: string;
  /** Stops after this many issues; defaults to 20. */
  maxIssues?: number;
}

/**
 * Walks a parsed JSON-like value iteratively (no recursion, so any depth is safe) and reports every string value
 * or object key with NUL or a lone surrogate, and any nesting deeper than the bound, each with its field path.
 */
export function findUnsafeInput(value: unknown, opts: UnsafeInputOptions = {}): FieldIssue[] {
  const maxDepth = opts.maxDepth ?? MAX_JSON_DEPTH;
  const maxIssues = opts.maxIssues ?? 20;
  const issues: FieldIssue[] = [];
  const stack: { v: unknown; path: string; depth: number }[] = [{ v: value, path: opts.root ?? '', depth: 0 }];
  while (stack.length > 0 && issues.length < maxIssues) {
    const { v, path, depth } = stack.pop()!;
    if (typeof v === 'string') {
      const why = unsafeTextReason(v);
      if (why) issues.push({ path: path || '(body)', message: why });
      continue;
    }
    if (v === null || typeof v !== 'object') continue;
    if (depth >= maxDepth) {
      issues.push({ path: path || '(body)', message: `is nested deeper than ${maxDepth} levels` });
      continue;
    }
    if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push({ v: v[i], path: joinPath(path, i), depth: depth + 1 });
      continue;
    }
    const keys = Object.keys(v);
    for (let i = keys.length - 1; i >= 0; i--) {
      const key = keys[i]!;
      const why = unsafeTextReason(key);
      // The key itself is the bad part; name it by a safe rendering, never the raw key.
      if (why) issues.push({ path: joinPath(path, JSON.stringify(key).slice(1, -1)), message: `key ${why}` });
      else stack.push({ v: (v as Record<string, unknown>)[key], path: joinPath(path, key), depth: depth + 1 });
    }
  }
  return issues;
}

/**
 * Nesting depth of raw JSON text, counting `[` and `{` outside strings; a single linear scan, so a hostile body
 * can be refused before it is parsed. Stops counting once `limit` is exceeded.
 */
export function jsonTextDepthExceeds(text: Uint8Array | string, limit: number = MAX_JSON_DEPTH): boolean {
  const bytes = typeof text === 'string' ? Buffer.from(text) : text;
  let depth = 0;
  let inString = false;
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i]!;
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped byte
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > limit) return true;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return false;
}
