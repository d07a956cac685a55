import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { EventBus } from './events.js';
import { ProgressTracker, type ShardProgress, type ShardStall } from './progress-tracker.js';

/** One clock for the lag and the stalls: the tests move both together. */
function setup(start = 1_000_000): { bus: EventBus; tracker: ProgressTracker; clock: { now: number } } {
  const bus = new EventBus((err) => {
    throw err;
  });
  const clock = { now: start };
  const tracker = new ProgressTracker(
    bus,
    () => clock.now,
    () => clock.now,
  );
  return { bus, tracker, clock };
}

function stall(tracker: ProgressTracker, shardId: string): ShardStall | undefined {
  return tracker.stalls().find((s) => s.shardId === shardId);
}

function shard(tracker: ProgressTracker, shardId: string): ShardProgress | undefined {
  return tracker.snapshot().shards.find((s) => s.shardId === shardId);
}

function read(bus: EventBus, shardId: string, count: number, atTip: boolean): void {
  bus.emit('records.read', { shardId, count, bytes: count * 100, atTip });
}

function flushed(
  bus: EventBus,
  shardId: string,
  records: number,
  newestCreatedAtMs?: number,
  seq = '100',
): void {
  bus.emit('batch.flushed', {
    shardId,
    records,
    puts: records,
    deletes: 0,
    durationMs: 5,
    lastSequenceNumber: seq,
    ...(newestCreatedAtMs === undefined ? {} : { newestCreatedAtMs }),
  });
}

describe('ProgressTracker', () => {
  test('starts empty', () => {
    const { tracker } = setup();
    assert.deepEqual(tracker.snapshot(), {
      recordsRead: 0,
      recordsWritten: 0,
      itemsWritten: 0,
      writeRetries: 0,
      readRetries: 0,
      deadLettered: 0,
      shards: [],
    });
  });

  test('behind is undefined before anything is known', () => {
    const { bus, tracker } = setup();
    bus.emit('shard.started', { shardId: 's1', position: 'TRIM_HORIZON' });
    assert.deepEqual(shard(tracker, 's1'), {
      shardId: 's1',
      recordsRead: 0,
      recordsWritten: 0,
      checkpoint: undefined,
      atTip: false,
      behindMs: undefined,
    });
  });

  test('behind is undefined while records were read but none written', () => {
    const { bus, tracker } = setup();
    bus.emit('shard.started', { shardId: 's1', position: 'TRIM_HORIZON' });
    read(bus, 's1', 5, false);
    assert.equal(shard(tracker, 's1')?.behindMs, undefined);
    read(bus, 's1', 0, true);
    assert.equal(shard(tracker, 's1')?.behindMs, undefined, 'at the tip but 5 records pending');
    assert.equal(shard(tracker, 's1')?.atTip, false);
  });

  test('behind is 0 at the tip with nothing pending', () => {
    const { bus, tracker } = setup();
    bus.emit('shard.started', { shardId: 's1', position: 'LATEST' });
    read(bus, 's1', 0, true);
    assert.equal(shard(tracker, 's1')?.behindMs, 0);
    assert.equal(shard(tracker, 's1')?.atTip, true);
  });

  test('behind is the age of the newest written record otherwise', () => {
    const { bus, tracker, clock } = setup(1_000_000);
    bus.emit('shard.started', { shardId: 's1', position: 'TRIM_HORIZON' });
    read(bus, 's1', 10, false);
    flushed(bus, 's1', 10, 940_000, '555');
    const progress = shard(tracker, 's1');
    assert.equal(progress?.behindMs, 60_000);
    assert.equal(progress.checkpoint, undefined, 'written but not yet checkpointed');
    bus.emit('checkpoint.moved', { shardId: 's1', checkpoint: '555' });
    assert.equal(shard(tracker, 's1')?.checkpoint, '555');
    assert.equal(progress.recordsRead, 10);
    assert.equal(progress.recordsWritten, 10);
    clock.now += 5_000;
    assert.equal(shard(tracker, 's1')?.behindMs, 65_000, 'the age grows with the clock');
  });

  test('once the reader is at the tip and everything is written, behind drops to 0', () => {
    const { bus, tracker } = setup(1_000_000);
    bus.emit('shard.started', { shardId: 's1', position: 'TRIM_HORIZON' });
    read(bus, 's1', 10, true);
    assert.equal(shard(tracker, 's1')?.behindMs, undefined);
    flushed(bus, 's1', 4, 990_000);
    assert.equal(shard(tracker, 's1')?.behindMs, 10_000, '6 records still pending');
    flushed(bus, 's1', 6, 995_000);
    assert.equal(shard(tracker, 's1')?.behindMs, 0);
  });

  test('a flush without a creation time keeps the previous one', () => {
    const { bus, tracker } = setup(1_000_000);
    bus.emit('shard.started', { shardId: 's1', position: 'TRIM_HORIZON' });
    read(bus, 's1', 3, false);
    flushed(bus, 's1', 1, 970_000);
    flushed(bus, 's1', 1);
    assert.equal(shard(tracker, 's1')?.behindMs, 30_000);
  });

  test('a record from the future counts as 0 behind, never negative', () => {
    const { bus, tracker } = setup(1_000_000);
    bus.emit('shard.started', { shardId: 's1', position: 'TRIM_HORIZON' });
    read(bus, 's1', 1, false);
    flushed(bus, 's1', 1, 1_060_000);
    assert.equal(shard(tracker, 's1')?.behindMs, 0);
  });

  for (const event of ['shard.ended', 'lease.lost', 'shard.stopped'] as const) {
    test(`a shard is forgotten on ${event}`, () => {
      const { bus, tracker } = setup();
      bus.emit('shard.started', { shardId: 's1', position: 'TRIM_HORIZON' });
      bus.emit('shard.started', { shardId: 's2', position: 'TRIM_HORIZON' });
      read(bus, 's1', 5, false);
      if (event === 'shard.ended') bus.emit(event, { shardId: 's1' });
      else if (event === 'shard.stopped') bus.emit(event, { shardId: 's1', kind: 'stopped', reason: 'test' });
      else bus.emit(event, { shardId: 's1', reason: 'test' });
      assert.deepEqual(
        tracker.snapshot().shards.map((s) => s.shardId),
        ['s2'],
      );
      assert.equal(tracker.snapshot().recordsRead, 5, 'totals are kept');
    });
  }

  test('a restarted shard starts its figures afresh', () => {
    const { bus, tracker } = setup();
    bus.emit('shard.started', { shardId: 's1', position: 'TRIM_HORIZON' });
    read(bus, 's1', 5, false);
    bus.emit('shard.started', { shardId: 's1', position: 'after 100' });
    assert.equal(shard(tracker, 's1')?.recordsRead, 0);
  });

  test('totals add up over shards, and events of unknown shards count in totals only', () => {
    const { bus, tracker } = setup();
    bus.emit('shard.started', { shardId: 's1', position: 'TRIM_HORIZON' });
    read(bus, 's1', 5, false);
    read(bus, 'unknown', 7, false);
    bus.emit('batch.flushed', {
      shardId: 's1',
      records: 5,
      puts: 2,
      deletes: 1,
      durationMs: 3,
      lastSequenceNumber: '9',
    });
    flushed(bus, 'unknown', 7);
    const snapshot = tracker.snapshot();
    assert.equal(snapshot.recordsRead, 12);
    assert.equal(snapshot.recordsWritten, 12);
    assert.equal(snapshot.itemsWritten, 3 + 7);
    assert.deepEqual(
      snapshot.shards.map((s) => s.shardId),
      ['s1'],
    );
  });

  test('retries are counted', () => {
    const { bus, tracker } = setup();
    bus.emit('write.retried', { table: 't', reason: 'throttled', attempt: 1, items: 3, delayMs: 50 });
    bus.emit('write.retried', { table: 't', reason: 'throttled', attempt: 2, items: 3, delayMs: 100 });
    bus.emit('read.retried', {
      shardId: 's1',
      reason: 'network',
      attempt: 1,
      delayMs: 50,
      error: 'socket hang up',
    });
    const snapshot = tracker.snapshot();
    assert.equal(snapshot.writeRetries, 2);
    assert.equal(snapshot.readRetries, 1);
  });

  describe('stalls', () => {
    test('a shard just started has made no progress yet, and is not caught up', () => {
      const { bus, tracker, clock } = setup();
      bus.emit('shard.started', { shardId: 's1', position: 'TRIM_HORIZON' });
      clock.now += 4_000;
      assert.deepEqual(stall(tracker, 's1'), {
        shardId: 's1',
        caughtUp: false,
        behindMs: undefined,
        pending: 0,
        sinceProgressMs: 4_000,
        readsFailingForMs: undefined,
      });
    });

    test('a flush is progress; records read and not written are pending', () => {
      const { bus, tracker, clock } = setup(1_000_000);
      bus.emit('shard.started', { shardId: 's1', position: 'TRIM_HORIZON' });
      read(bus, 's1', 10, false);
      clock.now += 5_000;
      flushed(bus, 's1', 4, 990_000);
      clock.now += 2_000;
      assert.deepEqual(stall(tracker, 's1'), {
        shardId: 's1',
        caughtUp: false,
        behindMs: 17_000,
        pending: 6,
        sinceProgressMs: 2_000,
        readsFailingForMs: undefined,
      });
    });

    test('a checkpoint is progress', () => {
      const { bus, tracker, clock } = setup();
      bus.emit('shard.started', { shardId: 's1', position: 'TRIM_HORIZON' });
      clock.now += 5_000;
      bus.emit('checkpoint.moved', { shardId: 's1', checkpoint: '7' });
      clock.now += 1_000;
      assert.equal(stall(tracker, 's1')?.sinceProgressMs, 1_000);
    });

    test('a read that finds the shard caught up is progress, so an idle shard never stalls', () => {
      const { bus, tracker, clock } = setup();
      bus.emit('shard.started', { shardId: 's1', position: 'LATEST' });
      for (let i = 0; i < 5; i++) {
        clock.now += 60_000;
        read(bus, 's1', 0, true);
      }
      assert.deepEqual(
        { caughtUp: stall(tracker, 's1')?.caughtUp, since: stall(tracker, 's1')?.sinceProgressMs },
        { caughtUp: true, since: 0 },
      );
      // New records after an hour at the tip: the stall is timed from the last read, not the last flush.
      clock.now += 1_000;
      read(bus, 's1', 3, false);
      clock.now += 2_000;
      assert.deepEqual(
        { caughtUp: stall(tracker, 's1')?.caughtUp, since: stall(tracker, 's1')?.sinceProgressMs },
        { caughtUp: false, since: 3_000 },
      );
    });

    test('reads at the tip while records wait to be written are no progress (the destination may be gone)', () => {
      const { bus, tracker, clock } = setup();
      bus.emit('shard.started', { shardId: 's1', position: 'TRIM_HORIZON' });
      read(bus, 's1', 5, true);
      for (let i = 0; i < 3; i++) {
        clock.now += 10_000;
        read(bus, 's1', 0, true);
      }
      assert.deepEqual(stall(tracker, 's1'), {
        shardId: 's1',
        caughtUp: false,
        behindMs: undefined,
        pending: 5,
        sinceProgressMs: 30_000,
        readsFailingForMs: undefined,
      });
    });

    test('read retries are timed from the first one until a read succeeds', () => {
      const { bus, tracker, clock } = setup();
      bus.emit('shard.started', { shardId: 's1', position: 'LATEST' });
      read(bus, 's1', 0, true);
      clock.now += 1_000;
      for (let attempt = 1; attempt <= 3; attempt++) {
        bus.emit('read.retried', {
          shardId: 's1',
          reason: 'network',
          attempt,
          delayMs: 100,
          error: 'socket hang up',
        });
        clock.now += 2_000;
      }
      assert.equal(stall(tracker, 's1')?.readsFailingForMs, 6_000);
      assert.equal(stall(tracker, 's1')?.caughtUp, true, 'as of the last read that succeeded');
      read(bus, 's1', 0, true);
      assert.equal(stall(tracker, 's1')?.readsFailingForMs, undefined);
      bus.emit('read.retried', {
        shardId: 'unknown',
        reason: 'network',
        attempt: 1,
        delayMs: 100,
        error: 'socket hang up',
      });
      assert.deepEqual(
        tracker.stalls().map((s) => s.shardId),
        ['s1'],
      );
    });

    test('a restarted shard is timed afresh, a forgotten one is gone', () => {
      const { bus, tracker, clock } = setup();
      bus.emit('shard.started', { shardId: 's1', position: 'TRIM_HORIZON' });
      bus.emit('read.retried', {
        shardId: 's1',
        reason: 'network',
        attempt: 1,
        delayMs: 100,
        error: 'socket hang up',
      });
      clock.now += 30_000;
      bus.emit('shard.started', { shardId: 's1', position: 'after 5' });
      assert.deepEqual(
        { since: stall(tracker, 's1')?.sinceProgressMs, failing: stall(tracker, 's1')?.readsFailingForMs },
        { since: 0, failing: undefined },
      );
      bus.emit('lease.lost', { shardId: 's1', reason: 'test' });
      assert.deepEqual(tracker.stalls(), []);
    });

    test('the lag shown by snapshot() is unchanged by the stall view', () => {
      const { bus, tracker, clock } = setup(1_000_000);
      bus.emit('shard.started', { shardId: 's1', position: 'TRIM_HORIZON' });
      read(bus, 's1', 2, false);
      flushed(bus, 's1', 2, 950_000);
      clock.now += 1_000;
      assert.equal(stall(tracker, 's1')?.behindMs, shard(tracker, 's1')?.behindMs);
    });
  });
});
