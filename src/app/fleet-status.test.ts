import assert from 'node:assert/strict';
import { test } from 'node:test';
import { newLease, SHARD_END, TRIM_HORIZON, type Lease } from '../lease/lease.js';
import { fleetStatus, formatFleetStatus } from './fleet-status.js';

const NOW = 1_000_000;

function lease(id: string, fields: Partial<Lease> = {}, parents: string[] = []): Lease {
  return { ...newLease(id, parents, TRIM_HORIZON, 'arn:stream'), ...fields };
}

test('each state, from the lease alone', () => {
  const status = fleetStatus(
    [
      lease('a-reading', { leaseOwner: 'w1', lastRenewedAt: NOW - 1_000, failoverMs: 10_000 }),
      lease('b-expired', { leaseOwner: 'w2', lastRenewedAt: NOW - 20_000, failoverMs: 10_000 }),
      lease('c-finished', { leaseOwner: 'w1', checkpoint: SHARD_END }),
      lease('d-unowned'),
      lease('e-waiting', { leaseOwner: undefined }, ['f-parent']),
      lease('f-parent', { leaseOwner: 'w1', checkpoint: '5', lastRenewedAt: NOW }),
      lease('g-handover', { leaseOwner: 'w1', pendingOwner: 'w3', lastRenewedAt: NOW }),
    ],
    NOW,
  );
  assert.deepEqual(
    status.shards.map((s) => [s.shardId, s.state]),
    [
      ['a-reading', 'reading'],
      ['b-expired', 'expired'],
      ['c-finished', 'finished'],
      ['d-unowned', 'unowned'],
      ['e-waiting', 'waiting-for-parents'],
      ['f-parent', 'reading'],
      ['g-handover', 'handing-over'],
    ],
  );
  // Expired and finished leases do not count as a worker's load.
  assert.deepEqual(status.workers, [{ workerId: 'w1', leases: 3 }]);
  assert.equal(status.totals.reading, 2);
  assert.equal(status.totals.expired, 1);
  assert.equal(status.shards[0]?.sinceRenewalMs, 1_000);
});

test('a child whose parent lease was deleted after finishing is not waiting', () => {
  const status = fleetStatus([lease('child', { leaseOwner: 'w1', lastRenewedAt: NOW }, ['gone'])], NOW);
  assert.equal(status.shards[0]?.state, 'reading');
});

test('without lastRenewedAt (a KCL-era lease) an owned lease shows as reading', () => {
  const status = fleetStatus([lease('s', { leaseOwner: 'w1' })], NOW);
  assert.equal(status.shards[0]?.state, 'reading');
  assert.equal(status.shards[0]?.sinceRenewalMs, undefined);
});

test('the human view lists every shard and worker', () => {
  const text = formatFleetStatus(
    fleetStatus([lease('s1', { leaseOwner: 'w1', lastRenewedAt: NOW }), lease('s2', {}, ['s1'])], NOW),
    'task t',
  );
  assert.match(text, /^task t/);
  assert.match(text, /s1\s+reading\s+w1\s+-\s+TRIM_HORIZON\s+-/);
  assert.match(text, /s2\s+waiting-for-parents\s+-\s+-\s+TRIM_HORIZON\s+s1/);
  assert.match(text, /shards: 1 reading, 1 waiting-for-parents/);
  assert.match(text, /w1: 1 lease$/m);
});

test('an empty table says so', () => {
  const text = formatFleetStatus(fleetStatus([], NOW), 'task t');
  assert.match(text, /shards: none/);
  assert.match(text, /no live worker/);
});

test('a worker with a recent heartbeat shows though it holds no lease; one gone for its failover time does not', () => {
  const presence = [
    { workerId: 'w1', heartbeat: 9, lastSeenAt: NOW - 500, failoverMs: 10_000 },
    { workerId: 'w2', heartbeat: 3, lastSeenAt: NOW - 1_000, failoverMs: 10_000 },
    { workerId: 'w3', heartbeat: 3, lastSeenAt: NOW - 30_000, failoverMs: 10_000 },
  ];
  const status = fleetStatus([lease('s1', { leaseOwner: 'w1', lastRenewedAt: NOW })], NOW, presence);
  assert.deepEqual(status.workers, [
    { workerId: 'w1', leases: 1, sinceHeartbeatMs: 500 },
    { workerId: 'w2', leases: 0, sinceHeartbeatMs: 1_000 },
  ]);
  const text = formatFleetStatus(status, 'task t');
  assert.match(text, /w1: 1 lease$/m);
  assert.match(text, /w2: 0 leases \(standby\)$/m);
  assert.doesNotMatch(text, /w3/);
});

test("a shard's lag is its owner's last report while it is read, and unknown once nobody reads it", () => {
  const status = fleetStatus(
    [
      lease('a', { leaseOwner: 'w1', lastRenewedAt: NOW, failoverMs: 10_000, behindMs: 0 }),
      lease('b', { leaseOwner: 'w1', lastRenewedAt: NOW, failoverMs: 10_000, behindMs: 83_000 }),
      lease('c', { leaseOwner: 'w2', pendingOwner: 'w1', lastRenewedAt: NOW, behindMs: 450 }),
      lease('d', { leaseOwner: 'w2', lastRenewedAt: NOW - 60_000, failoverMs: 10_000, behindMs: 5 }),
      lease('e', { leaseOwner: undefined, behindMs: 7 }),
      lease('f', { leaseOwner: 'w1', checkpoint: SHARD_END, behindMs: 9 }),
      lease('g', { leaseOwner: 'w1', lastRenewedAt: NOW }),
    ],
    NOW,
  );
  assert.deepEqual(
    status.shards.map((s) => [s.shardId, s.state, s.behindMs]),
    [
      ['a', 'reading', 0],
      ['b', 'reading', 83_000],
      ['c', 'handing-over', 450],
      ['d', 'expired', undefined],
      ['e', 'unowned', undefined],
      ['f', 'finished', undefined],
      ['g', 'reading', undefined],
    ],
  );
  const text = formatFleetStatus(status, 'task t');
  assert.match(text, /^a\s+reading\s+w1\s+0 ms\s/m);
  assert.match(text, /^b\s+reading\s+w1\s+1:23\s/m);
  assert.match(text, /^c\s+handing over to w1\s+w2\s+450 ms\s/m);
  assert.match(text, /^d\s+expired\s+w2\s+-\s/m);
  assert.equal(status.copy, undefined);
  assert.doesNotMatch(text, /bootstrap copy/);
});

test("the task's bootstrap copy, from its items in the lease table", () => {
  const copy = {
    task: {
      state: 'copying' as const,
      startedAt: NOW - 10_000,
      segments: 2,
      estimatedItems: 1_000,
      estimatedBytes: 0,
      streamArn: 'arn:stream',
      positionsRecordedAt: NOW - 9_000,
      doneAt: undefined,
    },
    segments: [0, 1].map((segment) => ({
      segment,
      leaseOwner: 'w1',
      leaseCounter: 1,
      lastEvaluatedKey: undefined,
      done: segment === 0,
      itemsCopied: 250,
      bytesCopied: 0,
    })),
  };
  const status = fleetStatus([], NOW, [], { copy });
  assert.equal(status.copy?.itemsCopied, 500);
  assert.match(
    formatFleetStatus(status, 'task t'),
    /^bootstrap copy: copying: 1\/2 segments, 500 of ~1,000 items \(50%\), 50 items\/s on average, ETA 0:10$/m,
  );
});

test('failures recorded in the lease table: newest first, with their age, under the workers', () => {
  const status = fleetStatus([], NOW, [], {
    failures: [
      { workerId: 'w1', error: 'old', failedAt: NOW - 90_000 },
      { workerId: 'w2', error: 'destination refused writes: ...', failedAt: NOW - 2_500 },
    ],
  });
  assert.deepEqual(status.failures, [
    { workerId: 'w2', error: 'destination refused writes: ...', sinceMs: 2_500 },
    { workerId: 'w1', error: 'old', sinceMs: 90_000 },
  ]);
  const text = formatFleetStatus(status, 'task t');
  assert.match(
    text,
    /^failed on w2 2\.5 s ago: destination refused writes: \.\.\.\nfailed on w1 1:30 ago: old$/m,
  );
  assert.equal(fleetStatus([], NOW).failures, undefined);
});
