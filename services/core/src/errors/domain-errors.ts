/**
 * The typed error set of the domain. Services throw these; the API's single error handler maps them to
 * RFC 9457 problem+json and the worker maps permanent ones to non-retryable Temporal failures.
 * Each carries a string marker so guards work across package copies and serialisation boundaries.
 */

/** One field-level problem, as reported back to the caller. */
export interface FieldIssue {
  /** Dotted path of the offending field, e.g. `artifact.sha256`. */
  path: string;
  /** What is wrong and what is expected. */
  message: string;
}

abstract class DomainError extends Error {
  abstract readonly kind: string;
  /** Whether retrying the same call can succeed; permanent errors become non-retryable in Temporal. */
  abstract readonly retryable: boolean;
}

/**
 * The base class of one error kind: `kind` doubles as `name`, so logs and guards agree. Each exported class below is
 * still its own class (own `instanceof`, own literal `kind`); only the shared constructor shape lives here.
 */
function domainError<K extends string, R extends boolean>(kind: K, retryable: R) {
  return class extends DomainError {
    readonly kind: K = kind;
    readonly retryable: R = retryable;
    constructor(message: string) {
      super(message);
      this.name = kind;
    }
  };
}

/** The caller sent something invalid; nothing was changed. */
export class InputError extends domainError('InputError', false) {
  constructor(
    message: string,
    readonly issues: FieldIssue[] = [],
  ) {
    super(message);
  }
}

/** The resource does not exist, or exists in another tenant (we never say which). */
export class NotFoundError extends domainError('NotFoundError', false) {}

/** The request conflicts with the current state (e.g. an idempotency key reused with another body). */
export class ConflictError extends domainError('ConflictError', false) {}

/** The caller is known but lacks the permission for this action. */
export class NotAllowedError extends domainError('NotAllowedError', false) {}

/** No valid credentials were presented. */
export class UnauthenticatedError extends domainError('UnauthenticatedError', false) {
  constructor(message = 'A valid bearer token is required') {
    super(message);
  }
}

/** A dependency (database, Temporal, object store, vendor plane) is unavailable; retrying later may succeed. */
export class UpstreamUnavailableError extends domainError('UpstreamUnavailableError', true) {
  constructor(
    message: string,
    readonly upstream: string,
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }
}

function hasKind(value: unknown, kind: string): boolean {
  return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === kind;
}

export const isInputError = (e: unknown): e is InputError => hasKind(e, 'InputError');
export const isNotFoundError = (e: unknown): e is NotFoundError => hasKind(e, 'NotFoundError');
export const isConflictError = (e: unknown): e is ConflictError => hasKind(e, 'ConflictError');
export const isNotAllowedError = (e: unknown): e is NotAllowedError => hasKind(e, 'NotAllowedError');
export const isUnauthenticatedError = (e: unknown): e is UnauthenticatedError => hasKind(e, 'UnauthenticatedError');
export const isUpstreamUnavailableError = (e: unknown): e is UpstreamUnavailableError => hasKind(e, 'UpstreamUnavailableError');

/** Any error of the domain set. */
export type AnyDomainError = InputError | NotFoundError | ConflictError | NotAllowedError | UnauthenticatedError | UpstreamUnavailableError;

/** True for errors a retry cannot fix (everything in the set except `UpstreamUnavailableError`). */
export function isPermanentDomainError(e: unknown): e is AnyDomainError {
  return isInputError(e) || isNotFoundError(e) || isConflictError(e) || isNotAllowedError(e) || isUnauthenticatedError(e);
}
