import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { LAG_FIELD, PROGRESS_MESSAGE } from '../src/lag-metric.js';

const FIXTURE = fileURLToPath(new URL('./fixtures/progress-line.js', import.meta.url));

/** The JSON lines the CLI's progress reporter writes to stderr through its logger. */
function progressLines(shards: 'two' | 'none'): Record<string, unknown>[] {
  const run = spawnSync(process.execPath, [FIXTURE, shards], { encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  return run.stderr
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

test("the worker's progress line carries the message and the lag field the metric filter reads", () => {
  const lines = progressLines('two');
  assert.ok(lines.length >= 1, 'at least one progress line in 70 ms at a 20 ms interval');
  for (const line of lines) {
    assert.equal(line.msg, PROGRESS_MESSAGE);
    const progress = line.progress as Record<string, unknown>;
    // The largest of the shards' lags, a number: what `$.progress.maxBehindMs >= 0` and the metric value take.
    assert.equal(progress[LAG_FIELD], 42_000);
  }
});

test('a worker that holds no shard writes no lag, so the filter takes nothing from it', () => {
  const lines = progressLines('none');
  assert.ok(lines.length >= 1);
  for (const line of lines) {
    assert.equal(line.msg, PROGRESS_MESSAGE);
    assert.equal(LAG_FIELD in (line.progress as Record<string, unknown>), false);
  }
});
