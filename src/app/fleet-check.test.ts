import assert from 'node:assert/strict';
import { test } from 'node:test';
import { newLease, SHARD_END, TRIM_HORIZON, type Lease, type WorkerPresence } from '../lease/lease.js';
import { fleetProblems } from './fleet-check.js';
import { fleetStatus } from './fleet-status.js';

const NOW = 10_000_000;
const W1: WorkerPresence = { workerId: 'w1', heartbeat: 1, lastSeenAt: NOW - 500, failoverMs: 10_000 };

function lease(id: string, fields: Partial<Lease> = {}): Lease {
  return { ...newLease(id, [], TRIM_HORIZON, 'arn'), failoverMs: 10_000, ...fields };
}

const reading = (id: string, behindMs?: number): Lease =>
  lease(id, { leaseOwner: 'w1', lastRenewedAt: NOW - 1_000, behindMs });

test('healthy: every shard read, caught up or within the lag allowed; finished shards need nobody', () => {
  const fleet = fleetStatus(
    [reading('a', 0), reading('b', 4_000), reading('c'), lease('d', { checkpoint: SHARD_END })],
    NOW,
    [W1],
  );
  assert.deepEqual(fleetProblems(fleet, {}), []);
  assert.deepEqual(fleetProblems(fleet, { maxLagMs: 4_000 }), []);
});

test('a shard behind more than --max-lag-ms, only when asked', () => {
  const fleet = fleetStatus([reading('a', 0), reading('b', 83_000)], NOW, [W1]);
  assert.deepEqual(fleetProblems(fleet, {}), []);
  assert.deepEqual(fleetProblems(fleet, { maxLagMs: 60_000 }), [
    'shard b: 1:23 behind (over --max-lag-ms 60000)',
  ]);
});

test('an owner that has not renewed for its failover time', () => {
  const fleet = fleetStatus(
    [reading('a', 0), lease('b', { leaseOwner: 'w2', lastRenewedAt: NOW - 25_000, behindMs: 99_999 })],
    NOW,
    [W1],
  );
  assert.deepEqual(fleetProblems(fleet, { maxLagMs: 1 }), [
    'shard b: its owner w2 has not renewed for 25.0 s (failover 10.0 s)',
  ]);
});

test('released longer ago than the failover time and not taken since; released just now is fine', () => {
  const fleet = fleetStatus(
    [
      reading('a', 0),
      lease('b', { lastRenewedAt: NOW - 12_000 }),
      lease('c', { lastRenewedAt: NOW - 3_000 }),
      lease('d'),
    ],
    NOW,
    [W1],
  );
  assert.deepEqual(fleetProblems(fleet, {}), ['shard b: unowned for 12.0 s']);
});

test('no live worker while shards remain; none needed once every shard is finished', () => {
  assert.deepEqual(fleetProblems(fleetStatus([lease('a')], NOW), {}), ['no live worker: nothing replicates']);
  assert.deepEqual(fleetProblems(fleetStatus([lease('a', { checkpoint: SHARD_END })], NOW), {}), []);
});

test('failures recorded by workers, newest first, whether or not others still run the task', () => {
  const failures = [
    { workerId: 'w2', error: 'destination refused writes: AccessDenied', failedAt: NOW - 70_000 },
    { workerId: 'w3', error: 'source table deleted', failedAt: NOW - 2_000 },
  ];
  const fleet = fleetStatus([reading('a', 0)], NOW, [W1], { failures });
  assert.deepEqual(fleetProblems(fleet, {}), [
    'failed on w3 2.0 s ago: source table deleted',
    'failed on w2 1:10 ago: destination refused writes: AccessDenied',
  ]);
});

test('no lease table: the task never started', () => {
  assert.deepEqual(fleetProblems(undefined, {}), ['no lease table: no worker has started this task']);
});
