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
export function errorForStatus(plane: string, status: number, detail: string, retryAfter: string | null): Error {
  const msg = `${plane} answered ${status}: ${detail.slice(0, 300)}`;
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
