export * from './worker';
export * from './adapters/postgres-intent-activity-store';
