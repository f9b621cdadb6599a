import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const ADMIN_CLI = path.join(ROOT, 'services', 'api', 'dist', 'cli.js');
const run = (cmd: string, args: string[], env: NodeJS.ProcessEnv) =>
  new Promise<{ status: number; stdout: string; stderr: string }>((resolve) => {
    execFile(cmd, args, { cwd: ROOT, env, timeout: 60_000 }, (err, stdout, stderr) =>
      resolve({ status: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });

/** The commands README.md documents, run the way it says, from the checkout. */
describe('CLIs as documented', () => {
  it('`npx eucora` resolves to the auditor CLI from the checkout (root package bin)', async () => {
    const r = await run('npx', ['--no-install', 'eucora'], { ...process.env });
    assert.match(`${r.stdout}${r.stderr}`, /eucora evidence pull <pack id> --out <dir>/);
    assert.doesNotMatch(r.stderr, /could not determine executable/);
  });

  it('`cli.js tenant create` next to npm start needs no DATABASE_URL and no S3 keys: it reads .data/secrets.json', async () => {
    const url = new URL(process.env.DATABASE_URL!);
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'eucora-cli-data-'));
    try {
      const secrets = JSON.stringify({ appDbPassword: decodeURIComponent(url.password) });
      writeFileSync(path.join(dataDir, 'secrets.json'), secrets, { mode: 0o600 });
      const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, EUCORA_DATA_DIR: dataDir, PG_PORT: url.port };
      const slug = `cli-${Date.now().toString(36)}`;
      const r = await run(process.execPath, [ADMIN_CLI, 'tenant', 'create', slug, 'CLI test'], env);
      assert.equal(r.status, 0, r.stderr);
      const out = JSON.parse(r.stdout.trim());
      assert.equal(out.slug, slug);
      assert.match(out.token, /\S{20,}/);
      // Without DATABASE_URL and without a secrets file it says what is missing, as a config error.
      const none = await run(process.execPath, [ADMIN_CLI, 'tenant', 'create', `${slug}-2`, 'x'], {
        PATH: process.env.PATH,
        EUCORA_DATA_DIR: path.join(dataDir, 'absent'),
      });
      assert.equal(none.status, 1);
      assert.match(none.stderr, /DATABASE_URL is required/);
      assert.doesNotMatch(none.stderr, /S3_/);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
