import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, loadServiceConfig, parseConfig, stackEnvSchema } from './config.schema';

const valid = { DATABASE_URL: 'postgres://u:p@127.0.0.1:5432/db', S3_ACCESS_KEY: 'minio', S3_SECRET_KEY: 'minio-secret' };

describe('config', () => {
  it('applies documented defaults and freezes the result', () => {
    const c = loadServiceConfig(valid);
    assert.equal(c.API_PORT, 8080);
    assert.equal(c.TEMPORAL_ADDRESS, '127.0.0.1:7233');
    assert.equal(c.S3_BUCKET, 'eucora-evidence');
    assert.equal(c.MAX_BODY_BYTES, 1024 * 1024);
    assert.ok(Object.isFrozen(c));
    assert.throws(() => {
      (c as { API_PORT: number }).API_PORT = 1;
    }, TypeError);
  });

  it('names each bad variable and what is expected', () => {
    try {
      loadServiceConfig({ ...valid, API_PORT: 'eighty', DATABASE_URL: 'mysql://x', S3_BUCKET: 'Bad_Bucket' });
      assert.fail('should throw');
    } catch (err) {
      assert.ok(err instanceof ConfigError);
      assert.match(err.message, /API_PORT must be a port number/);
      assert.match(err.message, /DATABASE_URL must be a postgres:\/\/ URL/);
      assert.match(err.message, /S3_BUCKET must be a valid S3 bucket name/);
    }
  });

  it('reports missing required variables', () => {
    assert.throws(() => loadServiceConfig({}), /DATABASE_URL is required/);
  });

  it('treats empty strings as unset', () => {
    assert.equal(loadServiceConfig({ ...valid, API_PORT: '' }).API_PORT, 8080);
  });

  it('parses the launcher settings with overrides optional', () => {
    const s = parseConfig(stackEnvSchema, { PG_PORT: '6000' });
    assert.equal(s.PG_PORT, 6000);
    assert.equal(s.DATABASE_URL, undefined);
    assert.throws(() => parseConfig(stackEnvSchema, { MINIO_PORT: '70000' }), /MINIO_PORT must be a port number 1-65535/);
  });
});
