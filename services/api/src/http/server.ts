import { createServer, STATUS_CODES, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
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
  const server = createServer(
    {
      headersTimeout,
      requestTimeout: limits.requestTimeoutMs,
      connectionsCheckingInterval: Math.max(50, Math.min(1000, Math.floor(headersTimeout / 4))),
    },
    app,
  );
  server.on('clientError', answerClientError);
  return server;
}

const CLIENT_ERRORS: Record<string, [number, string, string]> = {
  HPE_HEADER_OVERFLOW: [431, 'headers-too-large', 'The request line or headers exceed the server limit'],
  ERR_HTTP_REQUEST_TIMEOUT: [408, 'request-timeout', 'The request was not received in time'],
};

/**
 * Requests node refuses before express sees them (oversized headers, timeouts, malformed HTTP) still get an RFC 9457
 * problem instead of node's bare status line.
 */
function answerClientError(err: NodeJS.ErrnoException, socket: Duplex): void {
  if (err.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  const [status, type, detail] = CLIENT_ERRORS[err.code ?? ''] ?? [400, 'malformed-request', 'The request is not valid HTTP'];
  const body = JSON.stringify({ type: `https://eucora.dev/problems/${type}`, title: STATUS_CODES[status], status, detail });
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/problem+json\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}
