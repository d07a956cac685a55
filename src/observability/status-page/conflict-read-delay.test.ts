import assert from 'node:assert/strict';
import { test } from 'node:test';
import { conflictReadDelayMs, MS_PER_CONFLICT } from './conflict-read-delay.js';

test('a small conflict log is read at every poll', () => {
  assert.equal(conflictReadDelayMs(0, 2_000), 2_000);
  assert.equal(conflictReadDelayMs(100, 2_000), 2_000);
  assert.equal(conflictReadDelayMs(2_000 / MS_PER_CONFLICT, 2_000), 2_000);
});

test('a large one less often, in proportion to its size', () => {
  assert.equal(conflictReadDelayMs(101, 2_000), 2_020);
  assert.equal(conflictReadDelayMs(1_000, 2_000), 20_000);
  assert.equal(conflictReadDelayMs(30_000, 2_000), 600_000);
  // Not below the poll interval, whatever it is.
  assert.equal(conflictReadDelayMs(1_000, 60_000), 60_000);
});

test('after a failed read (no count known) at the next poll', () => {
  assert.equal(conflictReadDelayMs(undefined, 2_000), 2_000);
});
