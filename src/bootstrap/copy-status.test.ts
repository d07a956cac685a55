import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { BootstrapTask, CopySegment } from './bootstrap-items.js';
import { copyStatus, copyStatusCell, copyStatusText } from './copy-status.js';

const T0 = 1_700_000_000_000;

function task(overrides: Partial<BootstrapTask> = {}): BootstrapTask {
  return {
    state: 'copying',
    startedAt: T0,
    segments: 4,
    estimatedItems: 10_000,
    estimatedBytes: 1_000_000,
    streamArn: 'arn',
    positionsRecordedAt: T0 + 1_000,
    doneAt: undefined,
    ...overrides,
  };
}

function segment(n: number, itemsCopied: number, done = false): CopySegment {
  return {
    segment: n,
    leaseOwner: 'w1',
    leaseCounter: 3,
    lastEvaluatedKey: undefined,
    done,
    itemsCopied,
    bytesCopied: itemsCopied * 100,
  };
}

describe('copyStatus', () => {
  test('no task item: no copy', () => {
    assert.equal(copyStatus({ task: undefined, segments: [] }, T0), undefined);
  });

  test('copying: items over every segment, segments done, the average rate and the time left at that rate', () => {
    const segments = [segment(0, 2_500, true), segment(1, 1_000), segment(2, 500), segment(3, 0)];
    const status = copyStatus({ task: task(), segments }, T0 + 10_000);
    assert.deepEqual(status, {
      state: 'copying',
      segmentsDone: 1,
      segments: 4,
      itemsCopied: 4_000,
      estimatedItems: 10_000,
      itemsPerSec: 400,
      etaMs: 15_000,
      elapsedMs: 10_000,
    });
    assert.ok(status !== undefined);
    assert.equal(
      copyStatusText(status),
      'copying: 1/4 segments, 4,000 of ~10,000 items (40%), 400 items/s on average, ETA 0:15',
    );
    assert.equal(copyStatusCell(status), '40%');
  });

  test('past the estimate (ItemCount is hours old): 100% at most, and no ETA', () => {
    const status = copyStatus({ task: task(), segments: [segment(0, 12_000)] }, T0 + 10_000);
    assert.equal(status?.etaMs, undefined);
    assert.ok(status !== undefined);
    assert.equal(copyStatusCell(status), '100%');
    assert.match(copyStatusText(status), /12,000 of ~10,000 items \(100%\)/);
  });

  test('no estimate (an empty table at the start): items only', () => {
    const status = copyStatus({ task: task({ estimatedItems: 0 }), segments: [segment(0, 7)] }, T0 + 1_000);
    assert.ok(status !== undefined);
    assert.equal(status.etaMs, undefined);
    assert.equal(copyStatusCell(status), '7 items');
    assert.equal(copyStatusText(status), 'copying: 0/4 segments, 7 items, 7 items/s on average');
  });

  test('no time passed yet: no rate, no ETA', () => {
    const status = copyStatus({ task: task(), segments: [segment(0, 0)] }, T0);
    assert.equal(status?.itemsPerSec, undefined);
    assert.equal(status?.etaMs, undefined);
  });

  test('done: the rate over the whole copy, up to its end, not up to now', () => {
    const segments = [0, 1, 2, 3].map((n) => segment(n, 2_500, true));
    const status = copyStatus({ task: task({ state: 'done', doneAt: T0 + 20_000 }), segments }, T0 + 999_000);
    assert.equal(status?.itemsPerSec, 500);
    assert.equal(status?.etaMs, undefined);
    assert.ok(status !== undefined);
    assert.equal(copyStatusCell(status), 'done');
    assert.equal(copyStatusText(status), 'done: 10,000 items in 0:20, 500 items/s on average');
  });

  test('before copying: the phase, and no figures that would mislead', () => {
    for (const state of ['recording-positions', 'positions-recorded'] as const) {
      const status = copyStatus({ task: task({ state }), segments: [] }, T0 + 5_000);
      assert.ok(status !== undefined);
      assert.equal(copyStatusCell(status), 'starting');
      assert.equal(copyStatusText(status), `${state.replace('-', ' ')} (copy not started)`);
    }
  });

  test('no copy: a dash in a column', () => {
    assert.equal(copyStatusCell(undefined), '-');
  });
});

describe('spool mode', () => {
  const spoolTask = (state: BootstrapTask['state']): BootstrapTask => task({ state, copyMode: 'spool' });
  const drain = (n: number, written: number, scanned: number, done = false): CopySegment => ({
    ...segment(n, written, done),
    bytesCopied: scanned,
  });

  test('copying: the phase, no drain yet; a direct copy has no spool part', () => {
    const status = copyStatus({ task: spoolTask('copying'), segments: [], drains: [[], []] }, T0 + 1_000);
    assert.deepEqual(status?.spool, {
      phase: 'copying',
      pass: undefined,
      segmentsDone: 0,
      segments: 0,
      drained: 0,
      scanned: 0,
      spoolKeys: undefined,
      spooledChanges: 0,
    });
    assert.equal(copyStatus({ task: task(), segments: [] }, T0 + 1_000)?.spool, undefined);
    // The spool's size before any drain: the changes the workers counted into the task item.
    const counted = copyStatus(
      {
        task: { ...spoolTask('copying'), spooledChanges: 1234 },
        segments: [segment(0, 500)],
        drains: [[], []],
      },
      T0 + 1_000,
    );
    assert.ok(counted !== undefined);
    assert.equal(counted.spool?.spooledChanges, 1234);
    assert.match(copyStatusText(counted), /^copying: .*; 1,234 changes spooled meanwhile$/);
  });

  test('draining: pass 1 progress; switching: pass 2, with the spool size pass 1 scanned', () => {
    const first = [drain(0, 300, 300, true), drain(1, 100, 120)];
    const draining = copyStatus({ task: spoolTask('draining'), segments: [], drains: [first, []] }, T0 + 1);
    assert.ok(draining !== undefined);
    assert.equal(
      copyStatusText(draining),
      'draining the spool, pass 1: 1/2 segments, 400 items written (0 changes spooled)',
    );
    assert.equal(copyStatusCell(draining), 'draining 1');
    const done = [drain(0, 300, 300, true), drain(1, 200, 200, true)];
    const second = [drain(0, 20, 300, true), drain(1, 0, 0)];
    const switching = copyStatus(
      { task: spoolTask('switching'), segments: [], drains: [done, second] },
      T0 + 1,
    );
    assert.ok(switching !== undefined);
    assert.deepEqual(switching.spool, {
      phase: 'draining',
      pass: 2,
      segmentsDone: 1,
      segments: 2,
      drained: 20,
      scanned: 300,
      spoolKeys: 500,
      spooledChanges: 0,
    });
    assert.equal(
      copyStatusText(switching),
      'draining the spool, pass 2 (consumers switched to the destination): 1/2 segments, 20 items written of 500 spooled keys',
    );
    const finished = copyStatus({ task: spoolTask('done'), segments: [], drains: [done, second] }, T0 + 1);
    assert.equal(finished?.spool?.phase, 'replicating');
  });
});
