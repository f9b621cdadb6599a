// Lint rules, chiefly the import directions of DESIGN.md §3:
//   core imports nothing internal and does no I/O; connectors and agent-sim import only core;
//   workflow files import only *types* of activities and no Node built-ins; api and worker never import each other.
import tseslint from 'typescript-eslint';

const nodeBuiltins = [
  'fs',
  'fs/*',
  'node:fs',
  'node:fs/*',
  'http',
  'node:http',
  'https',
  'node:https',
  'net',
  'node:net',
  'child_process',
  'node:child_process',
  'dns',
  'node:dns',
  'os',
  'node:os',
];
const internal = (allowed) =>
  [
    '@eucora/core',
    '@eucora/runtime',
    '@eucora/persistence',
    '@eucora/migrations',
    '@eucora/connectors',
    '@eucora/workflows',
    '@eucora/api',
    '@eucora/worker',
    '@eucora/agent-sim',
  ]
    .filter((p) => !allowed.includes(p))
    .flatMap((p) => [p, `${p}/*`]);

const restrict = (patterns, message, extra = []) => ({
  '@typescript-eslint/no-restricted-imports': ['error', { patterns: [{ group: patterns, message }, ...extra] }],
});

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', '.data/**', 'eslint.config.mjs', 'bench-results/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-syntax': ['error', { selector: 'ExportDefaultDeclaration', message: 'No default exports (DESIGN.md §3).' }],
      // Prettier wraps code at 140 columns but leaves long strings, templates and comments alone: this catches those.
      'max-len': ['error', { code: 140, tabWidth: 2 }],
    },
  },
  {
    files: ['services/core/src/**/*.ts'],
    rules: restrict(
      [...internal([]), ...nodeBuiltins, 'typeorm', 'pg', 'express', 'minio', '@temporalio/*'],
      'services/core is pure domain: no internal imports, no I/O.',
    ),
  },
  {
    files: ['connectors/src/**/*.ts', 'agent-sim/src/**/*.ts'],
    rules: restrict(internal(['@eucora/core']), 'connectors and agent-sim import only @eucora/core.'),
  },
  // Connector contract tests drive the plane simulators (a devDependency; agent-sim itself depends on core only).
  {
    files: ['connectors/src/**/*.test.ts', 'connectors/src/testing/**/*.ts'],
    rules: restrict(internal(['@eucora/core', '@eucora/agent-sim']), 'connector tests import only @eucora/core and @eucora/agent-sim.'),
  },
  {
    files: ['workflows/src/**/*.ts'],
    ignores: ['workflows/src/**/*.test.ts'],
    rules: restrict(internal(['@eucora/core', '@eucora/connectors']), 'workflows import only @eucora/core and connector types.'),
  },
  // Later blocks replace the rule for matching files, so this one repeats the internal-import limits.
  {
    // intent-workflow/ holds the DeploymentIntent workflow's parts: bundled with it, so held to the same rules.
    files: ['workflows/src/**/*.workflow.ts', 'workflows/src/intent-workflow/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: [...nodeBuiltins, 'node:*', 'crypto', 'typeorm', 'pg', 'minio', '@eucora/persistence', '@eucora/runtime'],
              message: 'Workflow code must be deterministic: no Node built-ins or I/O.',
            },
            {
              group: ['./*.activities', '../*.activities', '*.activities'],
              allowTypeImports: true,
              message: 'Workflows import only the *types* of activities.',
            },
            { group: internal(['@eucora/core']), message: 'workflows import only @eucora/core.' },
          ],
        },
      ],
    },
  },
  { files: ['services/api/src/**/*.ts'], rules: restrict(['@eucora/worker', '@eucora/worker/*'], 'The API never imports the worker.') },
  {
    files: ['services/worker/src/**/*.ts'],
    ignores: ['services/worker/src/**/*.test.ts', 'services/worker/src/test-support/**', 'services/worker/src/bench/**'],
    rules: restrict(['@eucora/api', '@eucora/api/*'], 'The worker never imports the API.'),
  },
  {
    files: ['services/persistence/src/**/*.ts', 'services/runtime/src/**/*.ts', 'migrations/src/**/*.ts'],
    rules: restrict(
      ['@eucora/api', '@eucora/api/*', '@eucora/worker', '@eucora/worker/*', '@eucora/workflows', '@eucora/workflows/*'],
      'Adapters below the services never import services or workflows.',
    ),
  },
);
