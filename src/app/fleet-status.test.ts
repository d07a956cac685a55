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
  assert.match(text, /s1\s+reading\s+w1\s+TRIM_HORIZON\s+-/);
  assert.match(text, /s2\s+waiting-for-parents\s+-\s+TRIM_HORIZON\s+s1/);
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
