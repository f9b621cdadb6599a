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

/** JSON logger with `service` and `version` on every line and secrets redacted. */
export function createLogger(opts: LoggerOptions): Logger {
  return pino(
    {
      level: opts.level ?? 'info',
      base: { service: opts.service, version: PRODUCT_VERSION },
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    opts.destination,
  );
}
