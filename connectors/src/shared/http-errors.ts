import { ConflictError, InputError, NotAllowedError, NotFoundError, UpstreamUnavailableError } from '@eucora/core';

/** Statuses every vendor contract treats as transient (vendor-contracts.md, common rules). */
export const TRANSIENT_STATUSES = new Set([429, 500, 502, 503, 504, 509]);

/** Parses `Retry-After` (seconds or HTTP date) into seconds. */
export function retryAfterSeconds(header: string | null): number | undefined {
  if (!header) return undefined;
  const n = Number(header);
  if (Number.isFinite(n) && n >= 0) return n;
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - Date.now()) / 1000));
}

/**
 * Maps a failed vendor response to the domain error set: transient → `UpstreamUnavailableError` (retryable),
 * everything else → a permanent error that Temporal must not retry.
 */
export function errorForStatus(plane: string, status: number, code: string | undefined, retryAfter: string | null): Error {
  const msg = `${plane} answered ${status}${code ? ` (${code})` : ''}`;
  if (TRANSIENT_STATUSES.has(status)) return new UpstreamUnavailableError(msg, plane, retryAfterSeconds(retryAfter));
  if (status === 401 || status === 403) return new NotAllowedError(msg);
  if (status === 404) return new NotFoundError(msg);
  if (status === 409 || status === 412) return new ConflictError(msg);
  return new InputError(msg);
}

/** Network failures and timeouts are transient. */
export function networkError(plane: string, err: unknown): UpstreamUnavailableError {
  const reason = err instanceof Error ? (err.name === 'TimeoutError' ? 'timed out' : err.message) : String(err);
  return new UpstreamUnavailableError(`${plane} unreachable: ${reason}`, plane);
}

/** A 3xx: never followed (the target was not checked and would receive credentials), so a permanent error with status only. */
export function redirectError(plane: string, status: number): InputError {
  return new InputError(`${plane} answered ${status} (redirect not followed)`);
}

const CODE_RE = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$/;

/** A vendor error code fit to show: control characters stripped, at most 64 characters of a code-like alphabet. */
export function cleanErrorCode(value: unknown): string | undefined {
  if (typeof value !== 'string' && typeof value !== 'number') return undefined;
  const s = String(value)
    .replace(/[\u0000-\u001f\u007f-\u009f]/g, '')
    .trim()
    .slice(0, 64);
  return CODE_RE.test(s) ? s : undefined;
}

/**
 * The vendor's error code from the known error shapes of vendor-contracts.md — Graph/SCCM `{"error":{"code"}}`, Entra and
 * Landscape `{"error":"<name>"}`, Jamf Pro `{"errors":[{"code"}]}`, a top-level `code` — and nothing else of the body:
 * upstream bodies are never echoed into events, the timeline or API responses.
 */
export function vendorErrorCode(text: string): string | undefined {
  let j: unknown;
  try {
    j = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!j || typeof j !== 'object') return undefined;
  const o = j as { error?: unknown; errors?: unknown; code?: unknown };
  if (o.error && typeof o.error === 'object') return cleanErrorCode((o.error as { code?: unknown }).code);
  if (typeof o.error === 'string') return cleanErrorCode(o.error);
  const first: unknown = Array.isArray(o.errors) ? o.errors[0] : undefined;
  if (first && typeof first === 'object') return cleanErrorCode((first as { code?: unknown }).code);
  return cleanErrorCode(o.code);
}
