import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { createLogger } from './logger';

class Capture extends Writable {
  text = '';
  override _write(chunk: Buffer, _enc: string, cb: () => void): void {
    this.text += chunk.toString();
    cb();
  }
}

/** Like TypeORM's QueryFailedError: the statement, its parameters and the driver error ride along as properties. */
function queryFailed(): Error {
  const driverError = Object.assign(new Error('invalid input syntax for type uuid: "PARAM-MARKER-1"'), {
    code: '22P02',
    detail: 'Key (id)=(PARAM-MARKER-2)',
  });
  return Object.assign(new Error('invalid input syntax for type uuid: "PARAM-MARKER-1"'), {
    name: 'QueryFailedError',
    query: 'SELECT * FROM api_tokens WHERE id = $1 AND secret_hash = $2',
    parameters: ['PARAM-MARKER-1', 'PARAM-MARKER-3'],
    driverError,
    code: '22P02',
  });
}

describe('logger error serialisation (issue 8, finding 10)', () => {
  it('logs no SQL text, parameters or driver details, and no stack at info', () => {
    const out = new Capture();
    createLogger({ service: 'api', level: 'info', destination: out }).error({ err: queryFailed() }, 'unhandled error');
    const line = JSON.parse(out.text) as { err: { type: string; code: string; stack?: string; message: string } };
    assert.equal(line.err.type, 'QueryFailedError');
    assert.equal(line.err.code, '22P02', 'the SQLSTATE stays: operators need it');
    assert.equal(line.err.stack, undefined);
    assert.ok(!out.text.includes('PARAM-MARKER'), out.text);
    assert.ok(!out.text.includes('secret_hash'), out.text);
  });

  it('treats `error` (the Temporal SDK key) the same', () => {
    const out = new Capture();
    createLogger({ service: 'worker', level: 'info', destination: out }).warn({ error: queryFailed() }, 'Activity failed');
    assert.ok(!out.text.includes('PARAM-MARKER') && !out.text.includes('secret_hash'), out.text);
    assert.match(out.text, /"code":"22P02"/);
  });

  it('keeps the stack at debug level', () => {
    const out = new Capture();
    createLogger({ service: 'api', level: 'debug', destination: out }).error({ err: new Error('boom') }, 'unhandled error');
    assert.match(out.text, /"stack":"Error: boom\\n/);
  });
});
