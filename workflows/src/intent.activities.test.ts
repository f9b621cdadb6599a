import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ApplicationFailure } from '@temporalio/activity';
import { InputError } from '@eucora/core';
import { databaseDataErrorCode, permanentToNonRetryable } from './intent.activities';

/** A pg DatabaseError as TypeORM wraps it (QueryFailedError.driverError), with the refused value in its message. */
const pgError = (code: string) =>
  Object.assign(new Error('QueryFailedError'), { driverError: Object.assign(new Error(`invalid input: "x\u0000y"`), { code }) });

describe('permanent activity errors', () => {
  it('finds SQLSTATE class 22 on pg errors and TypeORM wrappers only', () => {
    assert.equal(databaseDataErrorCode(pgError('22021')), '22021');
    assert.equal(databaseDataErrorCode(Object.assign(new Error('x'), { code: '22P05' })), '22P05');
    assert.equal(databaseDataErrorCode(pgError('40001')), undefined, 'serialization failure is transient');
    assert.equal(databaseDataErrorCode(pgError('08006')), undefined, 'connection failure is transient');
    assert.equal(databaseDataErrorCode(Object.assign(new Error('x'), { code: 'ECONNREFUSED' })), undefined);
    assert.equal(databaseDataErrorCode(undefined), undefined);
  });

  it('makes data errors non-retryable without echoing the refused value', async () => {
    const err = await permanentToNonRetryable(async () => {
      throw pgError('22021');
    }).catch((e: unknown) => e);
    assert.ok(err instanceof ApplicationFailure);
    assert.equal(err.nonRetryable, true);
    assert.equal(err.type, 'DatabaseDataError');
    assert.equal(err.message, 'The database refused a value (SQLSTATE 22021)');
  });

  it('keeps domain errors typed and lets transient errors through for retry', async () => {
    const domain = await permanentToNonRetryable(async () => {
      throw new InputError('bad');
    }).catch((e: unknown) => e);
    assert.ok(domain instanceof ApplicationFailure && domain.nonRetryable && domain.type === 'InputError');
    const transient = await permanentToNonRetryable(async () => {
      throw pgError('40001');
    }).catch((e: unknown) => e);
    assert.ok(!(transient instanceof ApplicationFailure));
  });
});
