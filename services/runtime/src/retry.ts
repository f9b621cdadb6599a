import type { Logger } from 'pino';

/**
 * Retries `fn` with linear backoff (250 ms × attempt, capped at 5 s) while a dependency is still starting.
 * Default 60 attempts ≈ 4 minutes, so a process started before PostgreSQL or Temporal waits rather than crash-loops.
 */
export async function connectWithRetry<T>(what: string, fn: () => Promise<T>, logger: Logger, attempts = 60): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await fn();
    } catch (err) {
      if (i >= attempts) throw err;
      logger.warn({ attempt: i, err: (err as Error).message }, `${what} not reachable yet; retrying`);
      await new Promise((r) => setTimeout(r, Math.min(5000, 250 * i)));
    }
  }
}
