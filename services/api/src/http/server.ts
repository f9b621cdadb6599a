import { createServer, type Server } from 'node:http';
import type { Express } from 'express';

/** Socket limits of the API's HTTP server. */
export interface ServerLimits {
  /** Complete headers must arrive within this many ms (API_HEADERS_TIMEOUT_MS, default 15000). */
  headersTimeoutMs: number;
  /** The complete request must arrive within this many ms (API_REQUEST_TIMEOUT_MS, default 60000). */
  requestTimeoutMs: number;
}

/**
 * The API's HTTP server. Node's defaults (60 s headers, 300 s request, checked every 30 s) let slow or half-sent
 * requests hold sockets for minutes; the check interval follows the smaller limit so a limit is enforced near its value.
 */
export function createApiServer(app: Express, limits: ServerLimits): Server {
  const headersTimeout = Math.min(limits.headersTimeoutMs, limits.requestTimeoutMs);
  return createServer(
    {
      headersTimeout,
      requestTimeout: limits.requestTimeoutMs,
      connectionsCheckingInterval: Math.max(50, Math.min(1000, Math.floor(headersTimeout / 4))),
    },
    app,
  );
}
