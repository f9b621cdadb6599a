/**
 * The product version: one number, from the root package.json, reported by health, logs and metrics alike.
 * Workspace packages keep the same version (a test checks it).
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports
export const PRODUCT_VERSION: string = (require('../../../package.json') as { version: string }).version;
