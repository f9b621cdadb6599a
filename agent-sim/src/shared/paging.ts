import type { Request } from 'express';
import { hash32 } from '../sim-clock';

/** A GUID-shaped id that is stable per key (simulated Graph object ids). */
export function stableGuid(key: string): string {
  const h = [1, 2, 3, 4].map((n) => hash32(`g${n}:${key}`).toString(16).padStart(8, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** The absolute URL of this request with `params` replaced: next/previous links point back at the simulator itself. */
export function selfLink(req: Request, params: Record<string, string | number | undefined>): string {
  const url = new URL(req.originalUrl, `${req.protocol}://${req.get('host') ?? '127.0.0.1'}`);
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined) url.searchParams.delete(k);
    else url.searchParams.set(k, String(v));
  }
  return url.toString();
}

/** A query parameter as one string (Express gives arrays for repeated keys); undefined when absent. */
export function oneParam(req: Request, name: string): string | undefined {
  const v = req.query[name];
  return Array.isArray(v) ? String(v[0]) : v === undefined ? undefined : String(v);
}

/** A non-negative integer parameter, `fallback` when absent, NaN when malformed (callers answer 400). */
export function intParam(req: Request, name: string, fallback: number): number {
  const v = oneParam(req, name);
  if (v === undefined) return fallback;
  return /^\d{1,9}$/.test(v) ? Number(v) : Number.NaN;
}
