import { createLogger, loadConfigOrExit } from '@eucora/runtime';
import { wireApi } from './wiring';
import { createApiServer } from './http/server';

async function main(): Promise<void> {
  const config = loadConfigOrExit('api');
  const logger = createLogger({ service: 'api', level: config.LOG_LEVEL });
  const runtime = await wireApi(config, logger);
  runtime.dispatcher.start();
  const server = createApiServer(runtime.app, {
    headersTimeoutMs: config.API_HEADERS_TIMEOUT_MS,
    requestTimeoutMs: config.API_REQUEST_TIMEOUT_MS,
  });
  server.listen(config.API_PORT, config.API_HOST, () => {
    logger.info({ url: `http://${config.API_HOST}:${config.API_PORT}` }, 'api ready');
  });
  server.on('error', (err) => {
    logger.fatal({ err }, 'api could not listen');
    process.exit(1);
  });
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'api stopping');
    server.close(() => void runtime.close().then(() => process.exit(0)));
    setTimeout(() => process.exit(0), 10_000).unref();
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((err) => {
  process.stderr.write(`eucora api: failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
