import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FleetHistory, SampleRing } from './fleet-history.js';

test('SampleRing keeps the newest samples, oldest first', () => {
  const ring = new SampleRing(3);
  const empty = ring.newest;
  assert.deepEqual(ring.toArray(), []);
  assert.equal(empty, undefined);
  for (let at = 1; at <= 5; at++) ring.push({ at, lagMs: at * 10, itemsPerSec: null });
  assert.deepEqual(
    ring.toArray().map((s) => s.at),
    [3, 4, 5],
  );
  assert.equal(ring.newest?.at, 5);
  assert.throws(() => new SampleRing(0), RangeError);
});

test('FleetHistory turns the items-written counter into a rate, per task and shard', () => {
  const history = new FleetHistory({ windowMs: 10_000, intervalMs: 2_000 });
  history.record(0, [{ taskName: 't', shardId: 's1', lagMs: 500, itemsWritten: 0 }]);
  history.record(2_000, [{ taskName: 't', shardId: 's1', lagMs: 100, itemsWritten: 40 }]);
  // Not held by this worker: lag known from the lease table, no rate.
  history.record(4_000, [
    { taskName: 't', shardId: 's1', lagMs: undefined, itemsWritten: undefined },
    { taskName: 'u', shardId: 's9', lagMs: 0, itemsWritten: 7 },
  ]);
  assert.deepEqual(history.toJson(), {
    t: {
      s1: [
        { at: 0, lagMs: 500, itemsPerSec: null },
        { at: 2_000, lagMs: 100, itemsPerSec: 20 },
        { at: 4_000, lagMs: null, itemsPerSec: null },
      ],
    },
    u: { s9: [{ at: 4_000, lagMs: 0, itemsPerSec: null }] },
  });
});

test('a counter that went back gives no rate; a series unseen for the window is dropped; the ring is bounded', () => {
  const history = new FleetHistory({ windowMs: 6_000, intervalMs: 2_000 });
  history.record(0, [{ taskName: 't', shardId: 's1', lagMs: 0, itemsWritten: 100 }]);
  history.record(2_000, [{ taskName: 't', shardId: 's1', lagMs: 0, itemsWritten: 10 }]);
  assert.equal(history.toJson().t?.s1?.[1]?.itemsPerSec, null);
  for (let at = 4_000; at <= 12_000; at += 2_000) {
    history.record(at, [{ taskName: 't', shardId: 's2', lagMs: 0, itemsWritten: at }]);
  }
  const json = history.toJson();
  assert.equal(json.t?.s1, undefined);
  assert.equal(json.t?.s2?.length, 3);
  assert.equal(json.t?.s2?.[2]?.itemsPerSec, 1000);
});
