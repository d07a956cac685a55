import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ExpiryTracker } from './expiry-tracker.js';

const FAILOVER = 1_000;

function seen(leaseKey: string, leaseOwner: string | undefined, leaseCounter: number) {
  return { leaseKey, leaseOwner, leaseCounter };
}

describe('ExpiryTracker', () => {
  test('a lease seen for the first time is not expired, however old it looks', () => {
    const tracker = new ExpiryTracker(FAILOVER);
    assert.deepEqual(tracker.observe([seen('a', 'w1', 7)], 1_000_000), new Set());
  });

  test('expired only after failover ms of the same owner and counter', () => {
    const tracker = new ExpiryTracker(FAILOVER);
    const leases = [seen('a', 'w1', 3)];
    assert.deepEqual(tracker.observe(leases, 0), new Set());
    assert.deepEqual(tracker.observe(leases, 500), new Set());
    assert.deepEqual(tracker.observe(leases, FAILOVER - 1), new Set());
    assert.deepEqual(tracker.observe(leases, FAILOVER), new Set(['a']));
    assert.deepEqual(tracker.observe(leases, FAILOVER * 5), new Set(['a']));
  });

  test('a counter change resets the clock', () => {
    const tracker = new ExpiryTracker(FAILOVER);
    tracker.observe([seen('a', 'w1', 1)], 0);
    assert.deepEqual(tracker.observe([seen('a', 'w1', 2)], 900), new Set());
    assert.deepEqual(
      tracker.observe([seen('a', 'w1', 2)], 1_500),
      new Set(),
      'only 600 ms since the renewal',
    );
    assert.deepEqual(tracker.observe([seen('a', 'w1', 2)], 1_900), new Set(['a']));
  });

  test('a renewal after expiry makes the lease live again', () => {
    const tracker = new ExpiryTracker(FAILOVER);
    tracker.observe([seen('a', 'w1', 1)], 0);
    assert.deepEqual(tracker.observe([seen('a', 'w1', 1)], 2_000), new Set(['a']));
    assert.deepEqual(tracker.observe([seen('a', 'w1', 2)], 2_100), new Set());
  });

  test('an owner change resets the clock', () => {
    const tracker = new ExpiryTracker(FAILOVER);
    tracker.observe([seen('a', 'w1', 5)], 0);
    assert.deepEqual(tracker.observe([seen('a', 'w2', 5)], 900), new Set());
    assert.deepEqual(tracker.observe([seen('a', 'w2', 5)], 1_200), new Set());
    assert.deepEqual(tracker.observe([seen('a', 'w2', 5)], 1_900), new Set(['a']));
  });

  test('an unowned lease is never expired', () => {
    const tracker = new ExpiryTracker(FAILOVER);
    tracker.observe([seen('a', undefined, 4)], 0);
    assert.deepEqual(tracker.observe([seen('a', undefined, 4)], FAILOVER * 100), new Set());
  });

  test('a released lease (owner removed) is not expired', () => {
    const tracker = new ExpiryTracker(FAILOVER);
    tracker.observe([seen('a', 'w1', 4)], 0);
    assert.deepEqual(tracker.observe([seen('a', undefined, 5)], 5_000), new Set());
    assert.deepEqual(tracker.observe([seen('a', undefined, 5)], 10_000), new Set());
  });

  test('a lease that disappears is forgotten: when it comes back, the clock starts again', () => {
    const tracker = new ExpiryTracker(FAILOVER);
    tracker.observe([seen('a', 'w1', 1)], 0);
    tracker.observe([], 500);
    assert.deepEqual(tracker.observe([seen('a', 'w1', 1)], 1_200), new Set(), 'not 1200 ms since first seen');
    assert.deepEqual(tracker.observe([seen('a', 'w1', 1)], 2_100), new Set());
    assert.deepEqual(tracker.observe([seen('a', 'w1', 1)], 2_200), new Set(['a']));
  });

  test('only the stale leases among several are reported', () => {
    const tracker = new ExpiryTracker(FAILOVER);
    tracker.observe([seen('a', 'w1', 1), seen('b', 'w2', 1), seen('c', undefined, 1)], 0);
    const expired = tracker.observe([seen('a', 'w1', 1), seen('b', 'w2', 2), seen('c', undefined, 1)], 1_000);
    assert.deepEqual(expired, new Set(['a']));
  });

  test('one lease disappearing does not reset the others', () => {
    const tracker = new ExpiryTracker(FAILOVER);
    tracker.observe([seen('a', 'w1', 1), seen('b', 'w1', 1)], 0);
    tracker.observe([seen('a', 'w1', 1)], 500);
    assert.deepEqual(tracker.observe([seen('a', 'w1', 1)], 1_000), new Set(['a']));
  });

  test('nextExpiryAt: the earliest moment an owned lease seen unchanged would expire, after the last look', () => {
    const tracker = new ExpiryTracker(FAILOVER);
    assert.equal(tracker.nextExpiryAt(), undefined, 'nothing observed');
    tracker.observe([seen('a', 'w1', 1), seen('b', 'w2', 1), seen('free', undefined, 1)], 0);
    assert.equal(tracker.nextExpiryAt(), FAILOVER, 'both first seen at 0; an unowned lease never expires');
    // b moved at 300: a still expires at 1000, b not before 1300.
    tracker.observe([seen('a', 'w1', 1), seen('b', 'w2', 2), seen('free', undefined, 1)], 300);
    assert.equal(tracker.nextExpiryAt(), FAILOVER);
    // a moved too: b's moment comes first.
    tracker.observe([seen('a', 'w1', 2), seen('b', 'w2', 2)], 600);
    assert.equal(tracker.nextExpiryAt(), 1_300);
    // Once a lease is past its moment it is expired (observe says so), not a moment to come.
    assert.deepEqual(tracker.observe([seen('a', 'w1', 2), seen('b', 'w2', 2)], 1_300), new Set(['b']));
    assert.equal(tracker.nextExpiryAt(), 1_600);
    assert.deepEqual(tracker.observe([seen('a', 'w1', 2), seen('b', 'w2', 2)], 1_600), new Set(['a', 'b']));
    assert.equal(tracker.nextExpiryAt(), undefined);
    // A released lease (no owner) has no moment; a renewal gives a new one.
    tracker.observe([seen('a', undefined, 3), seen('b', 'w2', 3)], 2_000);
    assert.equal(tracker.nextExpiryAt(), 3_000);
  });
});
