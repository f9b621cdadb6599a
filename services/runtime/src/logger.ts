import pino, { type Logger } from 'pino';
import { PRODUCT_VERSION } from '@eucora/core';

/**
 * Paths pino blanks out wherever they appear. Tokens, passwords and keys never reach a log line, including in
 * request headers and in config dumps.
 */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  'authorization',
  '*.authorization',
  'token',
  '*.token',
  'password',
  '*.password',
  'secret',
  '*.secret',
  'clientSecret',
  '*.clientSecret',
  'DATABASE_URL',
  'S3_SECRET_KEY',
  '*.DATABASE_URL',
  '*.S3_SECRET_KEY',
  'config.DATABASE_URL',
  'config.S3_SECRET_KEY',
];

/** Options of the process logger. */
export interface LoggerOptions {
  /** `api` or `worker`. */
  service: string;
  /** pino level; default `info`. */
  level?: string;
  /** Where lines go; default stdout. Tests pass a stream to inspect output. */
  destination?: pino.DestinationStream;
}

/** A logged error: what an operator needs, never SQL text or parameters; the stack only at debug level. */
export interface SafeError {
  type: string;
  message: string;
  /** SQLSTATE, errno name or our error kind. */
  code?: string;
  stack?: string;
  cause?: SafeError;
}

/**
 * Serializer for `err` fields. TypeORM's QueryFailedError carries `query`, `parameters` and the driver error (whose
 * `detail` quotes row values); none of those are copied, and values quoted in PostgreSQL messages are cut. Stacks only
 * when `withStack` (debug level): an ordinary 500 must not write a stack trace per request.
 */
export function safeErrorSerializer(withStack: boolean): (err: unknown) => SafeError {
  const ser = (err: unknown, depth: number): SafeError => {
    if (!(err instanceof Error)) return { type: typeof err, message: String(err).slice(0, 500) };
    const e = err as Error & { code?: unknown; kind?: unknown; cause?: unknown; driverError?: { code?: unknown } };
    const code = e.driverError?.code ?? e.code ?? e.kind;
    const out: SafeError = { type: e.name, message: cutQuotedValues(e.message).slice(0, 1000) };
    if (typeof code === 'string' || typeof code === 'number') out.code = String(code);
    if (withStack && e.stack) out.stack = e.stack;
    if (e.cause !== undefined && depth < 3) out.cause = ser(e.cause, depth + 1);
    return out;
  };
  return (err) => ser(err, 0);
}

// "invalid input syntax for type uuid: \"abc\"", "…for encoding \"UTF8\": 0x00": the value is a request parameter.
function cutQuotedValues(message: string): string {
  return message.replace(/(for type [\w ]+|for encoding "[^"]*"|value too long for type [^:]+): .*/s, '$1: [value omitted]');
}

/** JSON logger with `service` and `version` on every line, secrets redacted, errors through `safeErrorSerializer`. */
export function createLogger(opts: LoggerOptions): Logger {
  const errors = safeErrorSerializer(['debug', 'trace'].includes(opts.level ?? 'info'));
  return pino(
    {
      level: opts.level ?? 'info',
      base: { service: opts.service, version: PRODUCT_VERSION },
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      // `error` too: the Temporal SDK logs activity failures under that key.
      serializers: { err: errors, error: errors },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    opts.destination,
  );
}
