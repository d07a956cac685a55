import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConfigError } from '../errors/replicator-error.js';
import {
  ASSUMED_BYTES_PER_SEC,
  chooseCopyMode,
  SAMPLE_MS,
  switchOnMeasuredRate,
  type CopyModeInputs,
  type MeasuredCopy,
} from './copy-mode.js';

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
  assert.match(
    slow.reason,
    /13\.9 h \(~1,000,000 items at 20 items\/s \(--max-write-rate\)\), over half the stream's 24\.0 h retention: spooling/,
  );
  assert.match(
    chooseCopyMode({ ...base, maxReadRate: 0.01 }).reason,
    /at 0\.01 items\/s \(--max-read-rate\)/,
  );
  // At 24/s: 11.6 h.
  assert.equal(chooseCopyMode({ ...base, maxWriteRate: 100, maxReadRate: 24 }).mode, 'direct');
  assert.equal(chooseCopyMode({ ...base, maxWriteRate: 23 }).mode, 'spool');
  // A short retention (a test's) moves the line.
  assert.equal(chooseCopyMode({ ...base, maxWriteRate: 10_000, retentionMs: 150_000 }).mode, 'spool');
});

test('auto without limits projects from the size at the assumed rate', () => {
  const half = (DAY / 2 / 1000) * ASSUMED_BYTES_PER_SEC;
  assert.equal(chooseCopyMode({ ...base, estimatedBytes: half * 0.99 }).mode, 'direct');
  const big = chooseCopyMode({ ...base, estimatedBytes: half * 1.01 });
  assert.equal(big.mode, 'spool');
  assert.match(big.reason, /MiB at an assumed 8 MiB\/s until a rate is measured/);
  // A limit slower than the assumed rate is what the projection rests on; a faster one is not.
  assert.match(chooseCopyMode({ ...base, maxWriteRate: 1e9, estimatedBytes: half }).reason, /assumed 8 MiB/);
  assert.match(
    chooseCopyMode({ ...base, estimatedBytes: half * 0.99 }).reason,
    /within half .*: copying directly \(measured again once the copy has run 20 s\)/,
  );
  assert.equal(chooseCopyMode({ ...base, estimatedItems: 0, estimatedBytes: 0 }).mode, 'direct');
});

test('auto falls back to direct, and says so, when spool mode cannot serve the task', () => {
  const choice = chooseCopyMode({ ...base, maxWriteRate: 1, unsupported: 'a fan-out' });
  assert.equal(choice.mode, 'direct');
  assert.match(choice.reason, /spool mode does not work with a fan-out: copying directly/);
});

describe('auto, once the copy has measured its rate', () => {
  const HOUR = 3_600_000;
  const copy: MeasuredCopy = {
    estimatedItems: 1_000_000,
    copiedItems: 10_000,
    itemsPerSec: 20,
    copyingMs: SAMPLE_MS,
    sinceRecordedMs: 60_000,
    retentionMs: DAY,
  };

  test('spool when the measured projection passes half the retention, with the figures', () => {
    // 990,000 items left at 20/s: 13.75 h, plus the minute since the positions.
    const choice = switchOnMeasuredRate(copy);
    assert.equal(choice?.mode, 'spool');
    assert.match(
      choice?.reason ?? '',
      /13\.8 h at the measured 20 items\/s \(10,000 of ~1,000,000 items copied\), over half the stream's 24\.0 h retention: spooling the stream for the rest of the copy/,
    );
    // 23 items/s: 11.96 h + 1 min, within half.
    assert.equal(switchOnMeasuredRate({ ...copy, itemsPerSec: 23 }), undefined);
    // The time since the positions counts: 2 h copied at a rate that needs 11 h more.
    assert.equal(switchOnMeasuredRate({ ...copy, itemsPerSec: 25, sinceRecordedMs: 0 }), undefined);
    assert.equal(
      switchOnMeasuredRate({ ...copy, itemsPerSec: 25, sinceRecordedMs: 2 * HOUR })?.mode,
      'spool',
    );
    // Nothing left to copy: nothing to project.
    assert.equal(switchOnMeasuredRate({ ...copy, copiedItems: 2_000_000 }), undefined);
  });

  test('no switch on a sample shorter than SAMPLE_MS, without a rate, or too late for the consumers to catch up', () => {
    assert.equal(switchOnMeasuredRate({ ...copy, copyingMs: SAMPLE_MS - 1 }), undefined);
    assert.equal(switchOnMeasuredRate({ ...copy, itemsPerSec: 0 }), undefined);
    assert.equal(switchOnMeasuredRate({ ...copy, itemsPerSec: Number.NaN }), undefined);
    assert.equal(switchOnMeasuredRate({ ...copy, sinceRecordedMs: 6 * HOUR - 1 })?.mode, 'spool');
    assert.equal(switchOnMeasuredRate({ ...copy, sinceRecordedMs: 6 * HOUR }), undefined);
  });
});
