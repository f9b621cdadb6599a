// Every workflow the worker registers. Only workflow files belong here.
export { deploymentIntentWorkflow } from './deployment-intent.workflow';
export { inventorySyncWorkflow } from './inventory-sync.workflow';
