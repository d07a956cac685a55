import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ExportSummary } from './export-manifest.js';
import { orderExports, type FoundExport } from './export-set.js';

const TABLE = 'arn:aws:dynamodb:us-east-1:1:table/t';
const H = 3_600_000;

function e(
  folder: string,
  type: ExportSummary['exportType'],
  fromMs: number,
  toMs = fromMs,
  tableArn = TABLE,
): FoundExport {
  return {
    folder,
    summary: {
      exportArn: `${TABLE}/export/${folder}`,
      exportType: type,
      tableArn,
      fromMs,
      toMs,
      itemCount: undefined,
      manifestFilesKey: `${folder}/manifest-files.json`,
    },
  };
}

test('the full export first, then incrementals by start, each starting at or before the end before it', () => {
  const ordered = orderExports(
    [
      e('i2', 'INCREMENTAL_EXPORT', 2 * H, 3 * H),
      e('full', 'FULL_EXPORT', 1 * H),
      e('i1', 'INCREMENTAL_EXPORT', 1 * H - 5, 2 * H),
    ],
    'x',
  );
  assert.deepEqual(
    ordered.map((f) => f.folder),
    ['full', 'i1', 'i2'],
  );
});

test('a gap between exports, an incremental ending no later, no full export, two, or another table: refused', () => {
  assert.throws(
    () => orderExports([e('full', 'FULL_EXPORT', H), e('i1', 'INCREMENTAL_EXPORT', 2 * H, 3 * H)], 'x'),
    /export file x\/i1: starts at .* after the exports before it end .*: the changes between are in no export/,
  );
  assert.throws(
    () => orderExports([e('full', 'FULL_EXPORT', 2 * H), e('i1', 'INCREMENTAL_EXPORT', H, 2 * H)], 'x'),
    /i1: ends at .* not after the exports before it/,
  );
  assert.throws(
    () => orderExports([e('i1', 'INCREMENTAL_EXPORT', H, 2 * H)], 'x'),
    /export file x: holds no full export/,
  );
  assert.throws(
    () => orderExports([e('a', 'FULL_EXPORT', H), e('b', 'FULL_EXPORT', 2 * H)], 'x'),
    /holds 2 full exports \(a, b\)/,
  );
  assert.throws(
    () => orderExports([e('a', 'FULL_EXPORT', H), e('b', 'INCREMENTAL_EXPORT', H, 2 * H, 'arn:other')], 'x'),
    /x\/b: is an export of arn:other/,
  );
});
