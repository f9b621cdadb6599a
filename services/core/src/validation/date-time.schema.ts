import { z } from 'zod';

// zod's own check accepts any two-digit offset (`+99:99`) and year 0000; both make `Date` invalid or out of range later.
const PARTS = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.\d+)?(Z|([+-])(\d{2}):?(\d{2})?)$/;

/** Whether `s` (an RFC 3339 date-time) names a real instant: calendar date, time and offset all in range, year ≥ 1. */
export function isRealDateTime(s: string): boolean {
  const m = PARTS.exec(s);
  if (!m) return false;
  const [year, month, day, hour, minute, second] = [m[1], m[2], m[3], m[4], m[5], m[6]].map(Number) as number[];
  if (year! < 1 || month! < 1 || month! > 12 || day! < 1 || hour! > 23 || minute! > 59 || second! > 59) return false;
  const daysInMonth = new Date(Date.UTC(2000, month!, 0)).getUTCDate();
  const leap = year! % 4 === 0 && (year! % 100 !== 0 || year! % 400 === 0);
  if (day! > (month === 2 ? (leap ? 29 : 28) : daysInMonth)) return false;
  if (m[7] !== 'Z' && (Number(m[9]) > 23 || Number(m[10] ?? 0) > 59)) return false;
  return Number.isFinite(Date.parse(s));
}

/** The one date-time schema of the API: RFC 3339 with offset, and a real date (see `isRealDateTime`). */
export function isoDateTime(opts: { offset?: boolean } = { offset: true }): z.ZodEffects<z.ZodString, string, string> {
  return z
    .string()
    .datetime({ offset: opts.offset ?? true })
    .refine(isRealDateTime, 'must be a real date-time (valid calendar date, hours 00-23, offset within ±23:59, year 0001 or later)');
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Whether `s` is a UUID in its canonical 8-4-4-4-12 hex form (what PostgreSQL's uuid columns will accept). */
export function isUuid(s: string): boolean {
  return UUID_RE.test(s);
}
