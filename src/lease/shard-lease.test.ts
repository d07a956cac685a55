import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LeaseLostError } from '../errors/replicator-error.js';
import { newLease, type Lease } from './lease.js';
import type { LeaseStore } from './lease-store.js';
import { ShardLease } from './shard-lease.js';

// Only checkpoint() reaches the store in these tests; the rest of the interface is never called.
function storeWith(checkpoint: LeaseStore['checkpoint']): LeaseStore {
  return { checkpoint } as unknown as LeaseStore;
}

function held(clock: { now: number }, store = storeWith(() => Promise.resolve(true))): ShardLease {
  const lease: Lease = {
    ...newLease('shard-1', [], 'TRIM_HORIZON', 'arn'),
    leaseOwner: 'me',
    leaseCounter: 1,
  };
  return new ShardLease(lease, clock.now, {
    store,
    workerId: 'me',
    timing: { failoverMs: 10_000, safetyMs: 1_000 },
    clock: () => clock.now,
  });
}

test('validity: the failover time from the last renewal sent, less the safety margin', () => {
  const clock = { now: 1_000 };
  const lease = held(clock);
  assert.equal(lease.remainingMs(), 9_000);
  clock.now = 5_000;
  assert.equal(lease.remainingMs(), 5_000);
  lease.renewed(lease.lease, 4_500);
  assert.equal(lease.remainingMs(), 8_500);
});

test('a write may go at once while enough validity is left', async () => {
  const clock = { now: 0 };
  const lease = held(clock);
  await lease.waitWritable(3_000);
  assert.equal(lease.isLost, false);
});

test('with little validity left, a write waits for the next renewal instead of giving the lease up', async () => {
  const clock = { now: 0 };
  const lease = held(clock);
  clock.now = 7_000; // 2 s left, a write needs 3 s
  let done = false;
  const waiting = lease.waitWritable(3_000).then(() => (done = true));
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(done, false, 'still waiting');
  lease.renewed(lease.lease, 7_000);
  await waiting;
  assert.equal(done, true);
  assert.equal(lease.isLost, false);
});

test('once the validity ran out (a frozen process) the lease is lost and nothing may be written', async () => {
  const clock = { now: 0 };
  const lease = held(clock);
  clock.now = 60_000;
  await assert.rejects(lease.waitWritable(3_000), LeaseLostError);
  assert.equal(lease.isLost, true);
  assert.equal(lease.lostSignal.aborted, true);
  await assert.rejects(lease.checkpoint('123'), LeaseLostError, 'no checkpoint after the loss');
});

test('a lease lost while a write waits ends the wait with LeaseLostError', async () => {
  const clock = { now: 0 };
  const lease = held(clock);
  clock.now = 7_500;
  const waiting = lease.waitWritable(3_000);
  lease.markLost('taken by another worker');
  await assert.rejects(waiting, LeaseLostError);
});

test('a refused checkpoint (another owner) marks the lease lost', async () => {
  const clock = { now: 0 };
  const lease = held(
    clock,
    storeWith(() => Promise.resolve(false)),
  );
  await assert.rejects(lease.checkpoint('42'), LeaseLostError);
  assert.equal(lease.isLost, true);
});

test('a checkpoint that lands updates the lease', async () => {
  const clock = { now: 0 };
  const written: string[] = [];
  const lease = held(
    clock,
    storeWith((_shard, owner, value) => {
      written.push(`${owner}:${value}`);
      return Promise.resolve(true);
    }),
  );
  await lease.checkpoint('42');
  assert.deepEqual(written, ['me:42']);
  assert.equal(lease.lease.checkpoint, '42');
});
