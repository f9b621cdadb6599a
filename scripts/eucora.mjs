#!/usr/bin/env node
// `npx eucora …` from the checkout: the root package's bin, committed so it exists before any build (a workspace bin
// pointing into dist/ is not linked by `npm ci` on a fresh clone, hence "could not determine executable").
import { existsSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const cli = path.join(ROOT, 'services', 'api', 'dist', 'eucora.js');
if (!existsSync(cli)) {
  process.stderr.write(`eucora: ${cli} is not built yet; run \`npm run build\` (or \`npm start\`) in ${ROOT} first\n`);
  process.exit(2);
}
await import(pathToFileURL(cli).href);
