/** The roles of DESIGN.md §4. A token carries one or more. */
export const ROLES = ['admin', 'release_engineer', 'change_manager', 'security_reviewer', 'auditor', 'sre', 'agent'] as const;
export type Role = (typeof ROLES)[number];

/** Everything a route can require. Names are `resource:action`. */
export const PERMISSIONS = [
  'tokens:manage',
  'intents:create',
  'intents:read',
  'intents:cancel',
  'cab:read',
  'cab:decide',
  'exceptions:create',
  'exceptions:approve',
  'exceptions:read',
  'evidence:read',
  'audit:read',
  'connectors:manage',
  'ops:read',
  'agent:report',
  'devices:read',
] as const;
export type Permission = (typeof PERMISSIONS)[number];

/**
 * Role → permission grants. `admin` manages tokens and configuration but does not approve CAB items or
 * exceptions: separation of duties holds even for administrators.
 */
export const ROLE_PERMISSIONS: Readonly<Record<Role, readonly Permission[]>> = Object.freeze({
  admin: [
    'tokens:manage',
    'connectors:manage',
    'intents:read',
    'cab:read',
    'exceptions:read',
    'evidence:read',
    'audit:read',
    'ops:read',
    'devices:read',
  ],
  release_engineer: [
    'intents:create',
    'intents:read',
    'intents:cancel',
    'exceptions:create',
    'exceptions:read',
    'evidence:read',
    'cab:read',
    'devices:read',
  ],
  change_manager: ['intents:read', 'cab:read', 'cab:decide', 'exceptions:read', 'evidence:read', 'devices:read'],
  security_reviewer: ['intents:read', 'exceptions:read', 'exceptions:approve', 'evidence:read'],
  auditor: ['intents:read', 'cab:read', 'exceptions:read', 'evidence:read', 'audit:read', 'devices:read'],
  sre: ['intents:read', 'ops:read', 'devices:read'],
  agent: ['agent:report'],
});

/** True when any of the roles grants the permission. */
export function rolesGrant(roles: readonly Role[], permission: Permission): boolean {
  return roles.some((role) => ROLE_PERMISSIONS[role].includes(permission));
}
