export * from './app';
export * from './wiring';
export * from './services/token.service';
export * from './services/intent.service';
export * from './services/health.service';
export * from './services/bootstrap.service';
export * from './services/intent-dispatcher';
export * from './adapters/workflow-starter';
