export * from './connector';
export * from './shared/http-errors';
export * from './intune/intune.client';
export * from './intune/intune.mapper';
export * from './intune/intune.connector';
export * from './shared/resilience';
export * from './shared/http-client';
export * from './awx/awx.connector';
