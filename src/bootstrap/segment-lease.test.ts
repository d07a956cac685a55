import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LeaseLostError } from '../errors/replicator-error.js';
import { SegmentLease } from './segment-lease.js';

const SEGMENT = {
  segment: 1,
  leaseOwner: 'me',
  leaseCounter: 1,
  lastEvaluatedKey: undefined,
  done: false,
  itemsCopied: 0,
  bytesCopied: 0,
};

test('writable at once while a request would end inside the validity window; lost once it ran out', async () => {
  let now = 0;
  const lease = new SegmentLease(SEGMENT, 0, { failoverMs: 10_000, safetyMs: 1_000 }, () => now);
  await lease.waitWritable(4_000);
  now = 5_000;
  await lease.waitWritable(4_000);
  now = 9_000;
  await assert.rejects(lease.waitWritable(4_000), LeaseLostError);
  assert.equal(lease.isLost, true);
  assert.equal(lease.lostSignal.aborted, true);
});

test('a renewal moves the window', () => {
  let now = 0;
  const lease = new SegmentLease(SEGMENT, 0, { failoverMs: 10_000, safetyMs: 1_000 }, () => now);
  now = 8_000;
  lease.renewed({ ...SEGMENT, leaseCounter: 2 }, 7_000);
  assert.equal(lease.remainingMs(), 8_000);
  assert.equal(lease.segment.leaseCounter, 2);
});

test('a write waits for a late renewal instead of giving the segment up', async () => {
  let now = 0;
  const lease = new SegmentLease(SEGMENT, 0, { failoverMs: 10_000, safetyMs: 1_000 }, () => now);
  now = 6_000;
  let ready = false;
  const waiting = lease.waitWritable(4_000).then(() => (ready = true));
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(ready, false, 'only 3 s left: waits');
  lease.renewed(SEGMENT, 6_000);
  await waiting;
  assert.equal(lease.isLost, false);
});

test('a wait ends with LeaseLostError when the segment is lost meanwhile, or has no validity left', async () => {
  let now = 0;
  const lease = new SegmentLease(SEGMENT, 0, { failoverMs: 10_000, safetyMs: 1_000 }, () => now);
  now = 6_000;
  const waiting = lease.waitWritable(4_000);
  lease.markLost('taken');
  await assert.rejects(waiting, LeaseLostError);
  const late = new SegmentLease(SEGMENT, 0, { failoverMs: 10_000, safetyMs: 1_000 }, () => 9_500);
  await assert.rejects(late.waitWritable(100), LeaseLostError);
  assert.equal(late.isLost, true);
});
