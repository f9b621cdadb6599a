import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { odataString } from './odata';
import { shellQuote, xmlText } from './escape';
import { artifactTitle, intentAppName } from './natural-key';
import { appDisplayName } from '../intune/intune.mapper';
import { sccmAppName } from '../sccm/sccm.connector';

describe('shared quoting and natural keys', () => {
  it('OData string literals double single quotes', () => {
    assert.equal(odataString("O'Brien's app"), "'O''Brien''s app'");
    assert.equal(odataString(''), "''");
  });

  it('XML text escapes markup, shell words survive single quotes', () => {
    assert.equal(xmlText('a<b>&c'), 'a&lt;b&gt;&amp;c');
    assert.equal(shellQuote("it's"), `'it'\\''s'`);
  });

  it('app names are one per artifact version and intent, the same on Intune and SCCM', () => {
    const req = { intentId: 'i-1', artifact: { name: '7-Zip', version: '24.08' } };
    assert.equal(artifactTitle(req.artifact), '7-Zip 24.08');
    assert.equal(intentAppName(req), '7-Zip 24.08 [eucora i-1]');
    assert.equal(appDisplayName(req as Parameters<typeof appDisplayName>[0]), intentAppName(req));
    assert.equal(sccmAppName(req as Parameters<typeof sccmAppName>[0]), intentAppName(req));
  });
});
