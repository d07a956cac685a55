// dynamodb-local: none
// Proves that each check the fleet tests rest on finds what it looks for, on made-up worker logs: a shard started
// twice or never ended, two workers reading one shard at once (tolerated only after a lost lease), and a hand-over
// that the new owner does not continue at the old owner's last checkpoint, or that another worker takes.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  handOverGaps,
  overlappingReads,
  readingIntervals,
  readingNow,
  type LoggedWorker,
  type ReadingInterval,
} from '../support/fleet-logs.js';
import type { LogLine } from '../support/replicator-process.js';

const T0 = Date.parse('2026-01-01T00:00:00.000Z');

/** A log line at `at` ms after T0. */
function line(at: number, msg: string, fields: Record<string, unknown> = {}): LogLine {
  return { level: 'info', msg, time: new Date(T0 + at).toISOString(), ...fields };
}

function worker(id: string, logs: LogLine[], killedAt?: number): LoggedWorker {
  return { id, process: { logs }, killedAt: killedAt === undefined ? undefined : T0 + killedAt };
}

describe('readingIntervals and readingNow', () => {
  test('a shard read, then stopped or finished, gives one interval each, with how it ended', () => {
    const w = worker('w1', [
      line(0, 'shard reading', { shardId: 's1' }),
      line(5, 'shard reading', { shardId: 's2' }),
      line(10, 'shard stopped', { shardId: 's1', kind: 'stopped' }),
      line(20, 'shard finished', { shardId: 's2' }),
      line(30, 'shard reading', { shardId: 's3' }),
    ]);
    assert.deepEqual([...readingNow(w)], ['s3']);
    const { intervals, problems } = readingIntervals(worker('w1', w.process.logs.slice(0, 4)));
    assert.deepEqual(problems, []);
    assert.deepEqual(intervals, [
      { worker: 'w1', shardId: 's1', from: T0, to: T0 + 10, end: 'stopped' },
      { worker: 'w1', shardId: 's2', from: T0 + 5, to: T0 + 20, end: 'finished' },
    ]);
  });

  test('a shard started twice, or never ended by a live worker, is a problem', () => {
    const { problems } = readingIntervals(
      worker('w1', [
        line(0, 'shard reading', { shardId: 's1' }),
        line(5, 'shard reading', { shardId: 's1' }),
      ]),
    );
    assert.equal(problems.length, 2);
    assert.match(problems[0]!, /w1 started s1 twice/);
    assert.match(problems[1]!, /w1 never logged the end of s1/);
  });

  test('a worker killed with -9 ends its open reads when it died', () => {
    const { intervals, problems } = readingIntervals(
      worker('w1', [line(0, 'shard reading', { shardId: 's1' })], 50),
    );
    assert.deepEqual(problems, []);
    assert.deepEqual(intervals, [{ worker: 'w1', shardId: 's1', from: T0, to: T0 + 50, end: 'killed' }]);
  });
});

describe('overlappingReads', () => {
  const read = (w: string, from: number, to: number, end = 'stopped'): ReadingInterval => ({
    worker: w,
    shardId: 's1',
    from,
    to,
    end,
  });

  test('one shard read by two workers at once is an overlap', () => {
    const { overlaps, tolerated } = overlappingReads([read('w1', 0, 100), read('w2', 99, 200)]);
    assert.equal(tolerated, 0);
    assert.equal(overlaps.length, 1);
    assert.match(overlaps[0]!, /s1: w1 read it until .* w2 from/);
  });

  test('back to back, by one worker, or on other shards: no overlap', () => {
    const other = { ...read('w2', 50, 60), shardId: 's2' };
    const { overlaps } = overlappingReads([
      read('w1', 0, 100),
      read('w2', 100, 200),
      read('w2', 300, 400),
      other,
    ]);
    assert.deepEqual(overlaps, []);
    assert.deepEqual(overlappingReads([read('w1', 0, 100), read('w1', 50, 200)]).overlaps, []);
  });

  test('an overlap after a lease lost under a live worker is tolerated and counted', () => {
    const { overlaps, tolerated } = overlappingReads([read('w1', 0, 100, 'lost'), read('w2', 50, 200)]);
    assert.deepEqual(overlaps, []);
    assert.equal(tolerated, 1);
  });
});

describe('handOverGaps', () => {
  /** w1 takes s1 at c0, flushes up to `flushedTo` (if given), stops and hands it to w2 at 30 ms. */
  function handingOver(flushedTo?: string): LogLine[] {
    return [
      line(0, 'lease taken', { shardId: 's1', checkpoint: 'c0' }),
      ...(flushedTo === undefined
        ? []
        : [line(10, 'flushed', { shardId: 's1', lastSequenceNumber: flushedTo })]),
      line(20, 'shard stopped', { shardId: 's1', kind: 'stopped' }),
      line(30, 'lease released', { shardId: 's1', to: 'w2' }),
    ];
  }
  const taken = (at: number, checkpoint: string): LogLine =>
    line(at, 'lease taken', { shardId: 's1', checkpoint });

  test('the new owner takes the lease at the last checkpoint the old one flushed to', () => {
    const result = handOverGaps([worker('w1', handingOver('c5')), worker('w2', [taken(40, 'c5')])]);
    assert.deepEqual(result, { checked: 1, gaps: [] });
  });

  test('without a flush the checkpoint to continue at is the one the old owner took the lease with', () => {
    assert.deepEqual(handOverGaps([worker('w1', handingOver()), worker('w2', [taken(40, 'c0')])]), {
      checked: 1,
      gaps: [],
    });
  });

  test('taken at another checkpoint: a gap that names both', () => {
    const { checked, gaps } = handOverGaps([
      worker('w1', handingOver('c5')),
      worker('w2', [taken(40, 'c4')]),
    ]);
    assert.equal(checked, 1);
    assert.deepEqual(gaps, ['s1: w1 handed it over at c5, w2 took it at c4']);
  });

  test('taken by a third worker first, or never taken: a gap', () => {
    const third = handOverGaps([
      worker('w1', handingOver('c5')),
      worker('w2', [taken(60, 'c5')]),
      worker('w3', [taken(40, 'c5')]),
    ]);
    assert.deepEqual(third.gaps, ['s1: handed by w1 to w2, taken by w3 instead (at c5)']);
    const never = handOverGaps([worker('w1', handingOver('c5')), worker('w2', [])]);
    assert.deepEqual(never.gaps, ['s1: handed by w1 to w2, never taken']);
  });

  test('a take from before the hand-over does not count as taking it', () => {
    const { gaps } = handOverGaps([worker('w1', handingOver('c5')), worker('w2', [taken(5, 'c5')])]);
    assert.deepEqual(gaps, ['s1: handed by w1 to w2, never taken']);
  });

  test('a new owner that was killed or stopping before it looked may miss the lease', () => {
    assert.deepEqual(handOverGaps([worker('w1', handingOver('c5')), worker('w2', [], 35)]), {
      checked: 0,
      gaps: [],
    });
    const stopping = worker('w2', [line(35, 'stopping: flushing and checkpointing', { signal: 'SIGTERM' })]);
    assert.deepEqual(handOverGaps([worker('w1', handingOver('c5')), stopping]), { checked: 0, gaps: [] });
  });
});
