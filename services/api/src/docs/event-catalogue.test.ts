// docs/events.md lists every event type of the core catalogue, and nothing else (unit tier: reads the doc, no stack).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { EVENT_TYPES } from '@eucora/core';

const DOC = readFileSync(path.resolve(__dirname, '../../../../docs/events.md'), 'utf8');

/** First cells of the table under `## Types`, without backticks. */
function documentedTypes(): string[] {
  const start = DOC.indexOf('\n## Types\n');
  assert.ok(start >= 0, 'docs/events.md has a "## Types" section');
  const lines = DOC.slice(start).split('\n').slice(2);
  const first = lines.findIndex((l) => l.startsWith('|'));
  const rows: string[] = [];
  for (const line of lines.slice(first + 2)) {
    if (!line.startsWith('|')) break;
    rows.push(line.split('|')[1]!.trim().replace(/`/g, ''));
  }
  return rows;
}

describe('docs/events.md', () => {
  it('lists every catalogue event type once, and no other', () => {
    const documented = documentedTypes();
    assert.equal(new Set(documented).size, documented.length, 'each type listed once');
    assert.deepEqual([...documented].sort(), [...EVENT_TYPES].sort());
  });
});
