import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError, loadServiceConfig } from '@eucora/core';
import { temporalTlsOptions } from './temporal-tls';

const base = { DATABASE_URL: 'postgres://u:p@127.0.0.1:5432/db', S3_ACCESS_KEY: 'key', S3_SECRET_KEY: 'secret-key' };
const cfg = (extra: Record<string, string> = {}) => loadServiceConfig({ ...base, ...extra });

describe('Temporal TLS options', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'eucora-tls-'));
  for (const f of ['ca.pem', 'client.pem', 'client.key']) writeFileSync(path.join(dir, f), `-----${f}-----`);

  it('plaintext by default, server-authenticated TLS with TEMPORAL_TLS', () => {
    assert.equal(temporalTlsOptions(cfg()), undefined);
    assert.deepEqual(temporalTlsOptions(cfg({ TEMPORAL_TLS: 'true' })), {});
  });

  it('mutual TLS from a client certificate, key, private CA and server name', () => {
    const tls = temporalTlsOptions(
      cfg({
        TEMPORAL_TLS_CERT_FILE: path.join(dir, 'client.pem'),
        TEMPORAL_TLS_KEY_FILE: path.join(dir, 'client.key'),
        TEMPORAL_TLS_CA_FILE: path.join(dir, 'ca.pem'),
        TEMPORAL_TLS_SERVER_NAME: 'temporal.internal',
      }),
    )!;
    assert.equal(tls.serverNameOverride, 'temporal.internal');
    assert.equal(tls.serverRootCACertificate?.toString(), '-----ca.pem-----');
    assert.equal(tls.clientCertPair?.crt.toString(), '-----client.pem-----');
    assert.equal(tls.clientCertPair?.key.toString(), '-----client.key-----');
  });

  it('refuses half a client pair and unreadable files, naming the variable', () => {
    assert.throws(() => temporalTlsOptions(cfg({ TEMPORAL_TLS_CERT_FILE: path.join(dir, 'client.pem') })), ConfigError);
    assert.throws(
      () => temporalTlsOptions(cfg({ TEMPORAL_TLS: 'true', TEMPORAL_TLS_CA_FILE: path.join(dir, 'missing.pem') })),
      (e: unknown) => e instanceof ConfigError && /TEMPORAL_TLS_CA_FILE cannot be read \(ENOENT\)/.test(e.message),
    );
  });
});
