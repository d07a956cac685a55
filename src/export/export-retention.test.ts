import assert from 'node:assert/strict';
import { test } from 'node:test';
import { REPLAY_MARGIN_MS, exportTooOld, streamAfterExport, streamEnabledMs } from './export-retention.js';

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

test('a stream enabled after the export ends is the data-loss line; one enabled before (or unlabelled) passes', () => {
  const arn = 'arn:aws:dynamodb:us-east-1:1:table/t/stream/2026-01-01T10:00:00.000';
  assert.equal(streamEnabledMs(arn), Date.parse('2026-01-01T10:00:00.000Z'));
  assert.equal(streamAfterExport(arn, Date.parse('2026-01-01T10:00:00.000Z')), undefined);
  assert.match(
    streamAfterExport(arn, Date.parse('2026-01-01T09:59:59.999Z')) ?? '',
    /^data lost: the source's stream was enabled at 2026-01-01T10:00:00\.000Z, after the export's end 2026-01-01T09:59:59\.999Z/,
  );
  assert.equal(streamEnabledMs('arn:aws:dynamodb:us-east-1:1:table/t/stream/latest'), undefined);
  assert.equal(streamAfterExport('arn:aws:dynamodb:us-east-1:1:table/t', 0), undefined);
});
