import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { WORKFLOWS_PATH } from '@eucora/workflows';

const dir = path.resolve(__dirname, '../../../workflows/test-fixtures/histories');

/** Recorded histories of the lifecycle scenarios replay against today's workflow code without determinism errors. */
describe('workflow replay of recorded histories', () => {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort();

  it('has the recorded scenarios', () => {
    const scenarios = [
      'low-risk-completes',
      'medium-risk-approved',
      'high-risk-two-approvals',
      'bad-package-rolled-back',
      'cancelled-mid-rollout',
    ];
    // Each version of the workflow keeps its recordings: before the artifact check, before signed and reserved decisions, now.
    for (const prefix of ['pre-artifact-check--', 'pre-signed-decisions--', '']) {
      for (const name of scenarios) assert.ok(files.includes(`${prefix}${name}.json`), `${prefix}${name}`);
    }
    assert.ok(files.includes('cab-parallel-approvals.json'), 'ten parallel approvals by one person, one counted');
  });

  for (const file of files) {
    it(`replays ${file}`, async () => {
      const history = temporal.api.history.v1.History.fromObject(JSON.parse(readFileSync(path.join(dir, file), 'utf8')));
      assert.ok((history.events?.length ?? 0) > 10);
      await Worker.runReplayHistory({ workflowsPath: WORKFLOWS_PATH }, history, file);
    });
  }
});
