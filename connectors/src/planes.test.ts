import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isInputError, isNotFoundError, PLANES } from '@eucora/core';
import { parsePlane, planeModule, PLANE_MODULES } from './planes';
import { inventoryFor } from './inventory-factory';
import { ResilientCaller } from './shared/resilience';

describe('plane modules', () => {
  it('one module per plane of core, each naming its secret fields', () => {
    assert.deepEqual(Object.keys(PLANE_MODULES).sort(), [...PLANES].sort());
    assert.deepEqual(planeModule('intune').secretFields, ['clientSecret']);
    assert.deepEqual(planeModule('awx').secretFields, ['password']);
    assert.deepEqual(planeModule('landscape').secretFields, ['secretKey']);
  });

  it('configuration errors name the offending field', () => {
    const err = (() => {
      try {
        planeModule('sccm').parseConfig({
          baseUrl: 'https://sccm.example',
          settings: { username: 'u', contentLocation: 'C:\\x' },
          credentials: {},
        });
      } catch (e) {
        return e as Error & { issues?: { path: string; message: string }[] };
      }
      return undefined;
    })();
    assert.ok(err && isInputError(err));
    assert.deepEqual(
      err.issues?.map((i) => i.path),
      ['settings.contentLocation', 'credentials.password'],
    );
    assert.equal(err.issues?.[0]?.message, 'a UNC path');
    assert.match(err.message, /^Invalid sccm connector configuration: settings\.contentLocation: a UNC path$/);
  });

  it('unknown planes: 400 on the API path, not found for the registry', () => {
    assert.throws(
      () => parsePlane('tanium'),
      (e: Error) => isInputError(e),
    );
    assert.throws(
      () => planeModule('tanium'),
      (e: Error) => isNotFoundError(e) && /Unknown plane "tanium"/.test(e.message),
    );
  });

  it('builds the connector and its inventory reader from an endpoint', () => {
    const e = { baseUrl: 'https://jamf.example', authUrl: null, settings: { clientId: 'c' }, credentials: { clientSecret: 's' } };
    const connector = planeModule('jamf').connector(e, new ResilientCaller('jamf'));
    assert.equal(connector.plane, 'jamf');
    assert.equal(inventoryFor(connector).plane, 'jamf');
    assert.throws(
      () => planeModule('awx').inventory(connector, {}),
      (err: Error) => isInputError(err),
    );
  });
});
