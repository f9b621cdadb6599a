import type { Server } from 'node:http';
import type { Express } from 'express';

/** Serves `app` on 127.0.0.1:`port` (0 = any free port); simulators never listen beyond loopback. */
export async function listenOnLoopback(app: Express, port = 0): Promise<{ server: Server; url: string }> {
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(port, '127.0.0.1', () => resolve(s));
  });
  const addr = server.address();
  return { server, url: `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : port}` };
}

/** Closes a server started by `listenOnLoopback` (no-op when absent). */
export async function closeServer(server: Server | undefined): Promise<void> {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
}
