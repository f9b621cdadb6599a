// Client-side entry point: message definitions and activity factories. Workflow code is loaded by path
// (`workflowsPath`), never imported here, so non-deterministic modules stay out of the workflow bundle.
export * from './intent.messages';
export * from './intent.activities';
export * from './inventory.activities';
export * from './inventory.messages';
export const WORKFLOW_TYPES = { deploymentIntent: 'deploymentIntentWorkflow', inventorySync: 'inventorySyncWorkflow' } as const;
/** Absolute path of the compiled workflow module for `Worker.create({ workflowsPath })`. */
export const WORKFLOWS_PATH = require.resolve('./workflows');
export * from './decision.activities';
