export * from './logger';
export * from './minio-client';
export * from './retry';
export * from './signing-keyring';
export * from './stream-hash';
export * from './secret-box';
export * from './startup';
export * from './artifact-store';
