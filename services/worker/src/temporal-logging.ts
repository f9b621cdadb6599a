import { DefaultLogger, Runtime, type LogLevel } from '@temporalio/worker';
import type { Logger } from 'pino';

const LEVELS: Record<string, LogLevel> = {
  trace: 'TRACE',
  debug: 'DEBUG',
  info: 'INFO',
  warn: 'WARN',
  error: 'ERROR',
  fatal: 'ERROR',
  silent: 'ERROR',
};

/**
 * Routes the Temporal SDK's own logs into our pino logger as JSON. The SDK is chatty at INFO (webpack output
 * of the workflow bundle), so it logs one level above ours unless we are at debug or below.
 */
export function installTemporalLogging(logger: Logger, level: string): void {
  const sdkLevel = level === 'info' ? 'WARN' : (LEVELS[level] ?? 'WARN');
  Runtime.install({
    logger: new DefaultLogger(sdkLevel, (entry) => {
      const fields = { ...(entry.meta ?? {}), sdk: true };
      const msg = entry.message;
      switch (entry.level) {
        case 'ERROR':
          logger.error(fields, msg);
          break;
        case 'WARN':
          logger.warn(fields, msg);
          break;
        case 'INFO':
          logger.info(fields, msg);
          break;
        default:
          logger.debug(fields, msg);
      }
    }),
  });
}
