// The runtime the workflow-driving benches measure: the API on a loopback port (driven over real HTTP with fetch) and one
// in-process worker, against the stack `npm run bench` starts.
import type { AddressInfo } from 'node:net';
import { startTestApi } from '@eucora/api/dist/test-support/test-stack';
import { createIntentWorker } from '../worker';

/** Starts the API with `env` (its TEMPORAL_TASK_QUEUE is also the worker's) and a worker; `base` is the API's /api/v1 URL. */
export async function startBenchRuntime(env: Record<string, string> & { TEMPORAL_TASK_QUEUE: string }) {
  const api = await startTestApi(env);
  const server = api.app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1`;
  const { worker, connection } = await createIntentWorker({ config: api.config, ds: api.ds, taskQueue: env.TEMPORAL_TASK_QUEUE });
  const running = worker.run();
  return {
    api,
    base,
    connection,
    /** Shuts the worker down, then the HTTP server and the API runtime. */
    async stop(): Promise<void> {
      worker.shutdown();
      await running;
      await connection.close();
      server.close();
      await api.close();
    },
  };
}
