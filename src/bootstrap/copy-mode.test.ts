import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError } from '../errors/replicator-error.js';
import { ASSUMED_BYTES_PER_SEC, chooseCopyMode, type CopyModeInputs } from './copy-mode.js';

const DAY = 24 * 3_600_000;
const base: CopyModeInputs = {
  requested: 'auto',
  estimatedItems: 1_000_000,
  estimatedBytes: 1_000_000_000,
  maxReadRate: Infinity,
  maxWriteRate: Infinity,
  retentionMs: DAY,
};

test('direct and spool are taken as asked; spool with what it cannot serve is a one-line error', () => {
  assert.equal(chooseCopyMode({ ...base, requested: 'direct', maxWriteRate: 1 }).mode, 'direct');
  assert.equal(chooseCopyMode({ ...base, requested: 'spool' }).mode, 'spool');
  assert.throws(() => chooseCopyMode({ ...base, requested: 'spool', unsupported: 'rules' }), ConfigError);
});

test('auto: spool exactly when the projection passes half the retention, from the slowest of the rates', () => {
  // 1,000,000 items at 20/s: 13.9 h > 12 h.
  const slow = chooseCopyMode({ ...base, maxWriteRate: 20 });
  assert.equal(slow.mode, 'spool');
  assert.match(slow.reason, /13\.9 h, over half the stream's 24\.0 h retention: spooling/);
  // At 24/s: 11.6 h.
  assert.equal(chooseCopyMode({ ...base, maxWriteRate: 100, maxReadRate: 24 }).mode, 'direct');
  assert.equal(chooseCopyMode({ ...base, maxWriteRate: 23 }).mode, 'spool');
  // A measured rate counts as a limit.
  assert.equal(chooseCopyMode({ ...base, measuredItemsPerSec: 20 }).mode, 'spool');
  assert.equal(chooseCopyMode({ ...base, measuredItemsPerSec: 10_000, estimatedBytes: 1e15 }).mode, 'direct');
  // A short retention (a test's) moves the line.
  assert.equal(chooseCopyMode({ ...base, maxWriteRate: 10_000, retentionMs: 150_000 }).mode, 'spool');
});

test('auto without limits projects from the size at the assumed rate', () => {
  const half = (DAY / 2 / 1000) * ASSUMED_BYTES_PER_SEC;
  assert.equal(chooseCopyMode({ ...base, estimatedBytes: half * 0.99 }).mode, 'direct');
  assert.equal(chooseCopyMode({ ...base, estimatedBytes: half * 1.01 }).mode, 'spool');
  assert.equal(chooseCopyMode({ ...base, estimatedItems: 0, estimatedBytes: 0 }).mode, 'direct');
});

test('auto falls back to direct, and says so, when spool mode cannot serve the task', () => {
  const choice = chooseCopyMode({ ...base, maxWriteRate: 1, unsupported: 'a fan-out' });
  assert.equal(choice.mode, 'direct');
  assert.match(choice.reason, /spool mode does not work with a fan-out: copying directly/);
});
