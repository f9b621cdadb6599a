import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { rolesGrant } from './roles';

describe('roles and permissions', () => {
  const table: [Parameters<typeof rolesGrant>[0], Parameters<typeof rolesGrant>[1], boolean][] = [
    [['admin'], 'tokens:manage', true],
    [['admin'], 'cab:decide', false],
    [['release_engineer'], 'intents:create', true],
    [['release_engineer'], 'cab:decide', false],
    [['change_manager'], 'cab:decide', true],
    [['change_manager'], 'intents:create', false],
    [['security_reviewer'], 'exceptions:approve', true],
    [['auditor'], 'audit:read', true],
    [['auditor'], 'intents:create', false],
    [['sre'], 'ops:read', true],
    [['agent'], 'intents:read', false],
    [['sre'], 'devices:read', true],
    [['auditor'], 'devices:read', true],
    [['security_reviewer'], 'devices:read', false],
    [['agent'], 'devices:read', false],
    [['agent', 'auditor'], 'audit:read', true],
  ];
  for (const [roles, perm, expected] of table) {
    it(`${roles.join('+')} ${expected ? 'may' : 'may not'} ${perm}`, () => assert.equal(rolesGrant(roles, perm), expected));
  }
});
