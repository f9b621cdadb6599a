import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { PRODUCT_VERSION } from '@eucora/core';

describe('one version everywhere', () => {
  it('every workspace package has the root package.json version', () => {
    const root = path.resolve(__dirname, '../../..');
    const rootPkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
    assert.equal(PRODUCT_VERSION, rootPkg.version);
    for (const ws of rootPkg.workspaces as string[]) {
      const file = path.join(root, ws, 'package.json');
      assert.ok(existsSync(file), ws);
      assert.equal(JSON.parse(readFileSync(file, 'utf8')).version, rootPkg.version, ws);
    }
    assert.ok(readdirSync(root).includes('package-lock.json'));
  });
});
