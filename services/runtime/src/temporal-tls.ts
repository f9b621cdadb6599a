import { readFileSync } from 'node:fs';
import { ConfigError, type ServiceConfig } from '@eucora/core';

/** TLS options for `Connection` (client) and `NativeConnection` (worker); both accept this shape. */
export interface TemporalTlsOptions {
  serverNameOverride?: string;
  serverRootCACertificate?: Buffer;
  clientCertPair?: { crt: Buffer; key: Buffer };
}

/**
 * TLS to the Temporal frontend from config: plain TLS with `TEMPORAL_TLS=true`, mutual TLS when a client certificate and key
 * are given (`TEMPORAL_TLS_CERT_FILE` + `TEMPORAL_TLS_KEY_FILE`, which imply TLS), a private CA with `TEMPORAL_TLS_CA_FILE`.
 * Undefined means plaintext (the loopback dev server of `npm start`).
 */
export function temporalTlsOptions(config: ServiceConfig): TemporalTlsOptions | undefined {
  const { TEMPORAL_TLS_CERT_FILE: cert, TEMPORAL_TLS_KEY_FILE: key, TEMPORAL_TLS_CA_FILE: ca, TEMPORAL_TLS_SERVER_NAME: name } = config;
  if (!!cert !== !!key) throw new ConfigError(['TEMPORAL_TLS_CERT_FILE and TEMPORAL_TLS_KEY_FILE must be set together (mutual TLS)']);
  if (!config.TEMPORAL_TLS && !cert && !ca) return undefined;
  const read = (file: string, variable: string) => {
    try {
      return readFileSync(file);
    } catch (err) {
      throw new ConfigError([`${variable} cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'}): ${file}`]);
    }
  };
  return {
    ...(name ? { serverNameOverride: name } : {}),
    ...(ca ? { serverRootCACertificate: read(ca, 'TEMPORAL_TLS_CA_FILE') } : {}),
    ...(cert && key ? { clientCertPair: { crt: read(cert, 'TEMPORAL_TLS_CERT_FILE'), key: read(key, 'TEMPORAL_TLS_KEY_FILE') } } : {}),
  };
}
