import assert from 'node:assert/strict';
import { test } from 'node:test';
import { holdAtTip } from './shard-pipeline.js';

test('the reader holds at the tip only while a full page of records or more is read but not yet written', () => {
  const cases: [atTip: boolean, unwritten: number, pageSize: number, hold: boolean][] = [
    [true, 0, 1000, false],
    [true, 999, 1000, false],
    [true, 1000, 1000, true],
    [true, 24_000, 1000, true],
    [false, 24_000, 1000, false],
    [false, 0, 1000, false],
    [true, 1, 1, true],
    [true, 0, 1, false],
  ];
  for (const [atTip, unwritten, pageSize, hold] of cases) {
    assert.equal(
      holdAtTip(atTip, unwritten, pageSize),
      hold,
      `atTip ${atTip}, ${unwritten} unwritten, page ${pageSize}`,
    );
  }
});
