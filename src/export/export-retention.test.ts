import assert from 'node:assert/strict';
import { test } from 'node:test';
import { REPLAY_MARGIN_MS, exportTooOld } from './export-retention.js';

const H = 3_600_000;

test('an export whose changes after it are still in the stream (with the replay margin) passes', () => {
  assert.equal(exportTooOld(0, 24 * H - REPLAY_MARGIN_MS - 1, 'before the load'), undefined);
  assert.equal(exportTooOld(1000, 1000, 'after the load'), undefined);
});

test('an export older than the retention less the margin is the data-loss line', () => {
  const line = exportTooOld(0, 24 * H - REPLAY_MARGIN_MS, 'after the load');
  assert.match(
    line ?? '',
    /^data may be lost: the export ends at 1970-01-01T00:00:00\.000Z, 23\.0 h ago after the load/,
  );
  assert.match(
    exportTooOld(0, 30 * H, 'before the load') ?? '',
    /30\.0 h ago before the load.*new --task-name/,
  );
});
