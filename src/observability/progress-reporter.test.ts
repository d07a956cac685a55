import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Logger } from 'pino';
import { EventBus } from './events.js';
import { planProgressLine, progressLine, reportProgress } from './progress-reporter.js';
import { ProgressTracker, type ProgressSnapshot, type ShardProgress } from './progress-tracker.js';

function snapshot(
  recordsRead: number,
  recordsWritten: number,
  shards: ShardProgress[] = [],
  writeRetries = 0,
): ProgressSnapshot {
  return { recordsRead, recordsWritten, itemsWritten: recordsWritten, writeRetries, readRetries: 0, shards };
}

function shard(shardId: string, behindMs: number | undefined): ShardProgress {
  return {
    shardId,
    recordsRead: 0,
    recordsWritten: 0,
    checkpoint: undefined,
    atTip: behindMs === 0,
    behindMs,
  };
}

describe('progressLine', () => {
  test('rates are records per second since the last line', () => {
    const line = progressLine(snapshot(100, 50), snapshot(300, 250), 2_000);
    assert.equal(line.readPerSec, 100);
    assert.equal(line.writtenPerSec, 100);
    assert.equal(line.recordsRead, 300);
    assert.equal(line.recordsWritten, 250);
  });

  test('rates are rounded', () => {
    const line = progressLine(snapshot(0, 0), snapshot(10, 5), 3_000);
    assert.equal(line.readPerSec, 3);
    assert.equal(line.writtenPerSec, 2);
  });

  test('no progress gives zero rates', () => {
    const line = progressLine(snapshot(7, 7), snapshot(7, 7), 1_000);
    assert.equal(line.readPerSec, 0);
    assert.equal(line.writtenPerSec, 0);
  });

  test('an elapsed time of 0 counts as 1 ms instead of dividing by zero', () => {
    const line = progressLine(snapshot(0, 0), snapshot(5, 2), 0);
    assert.equal(line.readPerSec, 5_000);
    assert.equal(line.writtenPerSec, 2_000);
    assert.ok(Number.isFinite(progressLine(snapshot(0, 0), snapshot(5, 2), -10).readPerSec));
  });

  test('behind per shard, null where unknown, and the largest known', () => {
    const line = progressLine(
      snapshot(0, 0),
      snapshot(0, 0, [shard('s1', 0), shard('s2', 45_000), shard('s3', undefined), shard('s4', 3_000)]),
      1_000,
    );
    assert.deepEqual(line.behind, { s1: 0, s2: 45_000, s3: null, s4: 3_000 });
    assert.equal(line.maxBehindMs, 45_000);
    assert.equal(line.shards, 4);
  });

  test('max behind is undefined when no shard knows, 0 when all are at the tip', () => {
    assert.equal(
      progressLine(snapshot(0, 0), snapshot(0, 0, [shard('s1', undefined)]), 1).maxBehindMs,
      undefined,
    );
    assert.equal(progressLine(snapshot(0, 0), snapshot(0, 0), 1).maxBehindMs, undefined);
    assert.equal(
      progressLine(snapshot(0, 0), snapshot(0, 0, [shard('a', 0), shard('b', 0)]), 1).maxBehindMs,
      0,
    );
  });

  test('write retries come from the later snapshot', () => {
    assert.equal(progressLine(snapshot(0, 0, [], 2), snapshot(0, 0, [], 9), 1_000).writeRetries, 9);
  });
});

describe('reportProgress', () => {
  function fakeLogger(): { logger: Logger; lines: unknown[] } {
    const lines: unknown[] = [];
    const logger = {
      info: (obj: unknown, msg: string) => {
        assert.equal(msg, 'progress');
        lines.push(obj);
      },
    } as unknown as Logger;
    return { logger, lines };
  }

  test('an interval of 0 turns the line off', async () => {
    const { logger, lines } = fakeLogger();
    const tracker = new ProgressTracker(new EventBus());
    await reportProgress(tracker, logger, 0, new AbortController().signal);
    assert.deepEqual(lines, []);
  });

  test('logs a line each interval and stops when aborted', async () => {
    const { logger, lines } = fakeLogger();
    const bus = new EventBus();
    const tracker = new ProgressTracker(bus);
    const controller = new AbortController();
    const running = reportProgress(tracker, logger, 5, controller.signal);
    bus.emit('records.read', { shardId: 's1', count: 4, bytes: 40, atTip: false });
    while (lines.length < 2) await new Promise((resolve) => setTimeout(resolve, 5));
    controller.abort();
    await running;
    const count = lines.length;
    const first = lines[0] as { progress: { recordsRead: number } };
    assert.equal(first.progress.recordsRead, 4);
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(lines.length, count, 'no line after the stop');
  });
});

describe('planProgressLine', () => {
  const taskSnapshot = (read: number, written: number, behind: (number | undefined)[]): ProgressSnapshot => ({
    recordsRead: read,
    recordsWritten: written,
    itemsWritten: written,
    writeRetries: 1,
    readRetries: 0,
    shards: behind.map((behindMs, i) => ({
      shardId: `s${i}`,
      recordsRead: 0,
      recordsWritten: 0,
      checkpoint: undefined,
      atTip: behindMs === 0,
      behindMs,
    })),
  });

  test('sums the tasks, counts them by state and names the ones furthest behind, furthest first', () => {
    const before = new Map([
      ['a', taskSnapshot(0, 0, [])],
      ['b', taskSnapshot(100, 100, [])],
    ]);
    const after = new Map([
      ['a', taskSnapshot(1000, 500, [0, 2000])],
      ['b', taskSnapshot(300, 300, [5000])],
      ['c', taskSnapshot(10, 10, [0])],
    ]);
    const states = new Map([
      ['a', 'running'],
      ['b', 'running'],
      ['c', 'failed'],
    ]);
    const line = planProgressLine(before, after, states, 2000);
    assert.equal(line.readPerSec, Math.round((1310 - 100) / 2));
    assert.equal(line.recordsWritten, 810);
    assert.equal(line.writeRetries, 3);
    assert.equal(line.shards, 4);
    assert.equal(line.maxBehindMs, 5000);
    assert.deepEqual(line.tasks, { running: 2, failed: 1 });
    assert.deepEqual(Object.entries(line.behind), [
      ['b', 5000],
      ['a', 2000],
    ]);
  });

  test('at most ten tasks are named', () => {
    const after = new Map(
      Array.from({ length: 15 }, (_, i) => [`t${i}`, taskSnapshot(0, 0, [1000 + i])] as const),
    );
    const line = planProgressLine(new Map(), after, new Map(), 1000);
    assert.equal(Object.keys(line.behind).length, 10);
    assert.equal(Object.keys(line.behind)[0], 't14');
  });
});

test('the line says how many changes were dead-lettered, only when there are any', () => {
  assert.equal('deadLetters' in progressLine(snapshot(0, 0), snapshot(1, 1), 1_000), false);
  const events = new EventBus();
  const tracker = new ProgressTracker(events);
  events.emit('records.dead-lettered', { shardId: 's', count: 2 });
  events.emit('records.dead-lettered', { shardId: 's', count: 1 });
  assert.equal(progressLine(snapshot(0, 0), tracker.snapshot(), 1_000).deadLetters, 3);
});
