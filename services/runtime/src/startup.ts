import { ConfigError, loadServiceConfig, type ServiceConfig } from '@eucora/core';

/** Validates the environment once at start-up; on a bad value prints what is wrong and exits with code 2. */
export function loadConfigOrExit(service: string, env: Record<string, string | undefined> = process.env): ServiceConfig {
  try {
    return loadServiceConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`eucora ${service}: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
}
