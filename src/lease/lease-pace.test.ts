import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SHARD_END, type Lease } from './lease.js';
import {
  HEARTBEAT_ROUNDS_WHILE_HOLDING,
  heartbeatDue,
  isSettled,
  lookIntervalMs,
  nextLookWaitMs,
  EXPIRY_LOOK_MARGIN_MS,
  renewalDue,
  renewWaitMs,
  SETTLED_LOOKS,
  type LookSeen,
} from './lease-pace.js';
import { leaseTiming } from './lease-timing.js';

function lease(leaseKey: string, fields: Partial<Lease> = {}): Lease {
  return {
    leaseKey,
    leaseOwner: undefined,
    leaseCounter: 1,
    checkpoint: 'TRIM_HORIZON',
    checkpointSubSequenceNumber: 0,
    ownerSwitchesSinceCheckpoint: 0,
    parentShardIds: [],
    streamArn: undefined,
    pendingOwner: undefined,
    lastRenewedAt: undefined,
    failoverMs: undefined,
    behindMs: undefined,
    startingSequenceNumber: undefined,
    ...fields,
  };
}

const ME = 'w1';

/** A settled table: two leases, both mine and held, one finished lease of someone else, only me alive. */
function settled(change: Partial<LookSeen> = {}): LookSeen {
  return {
    leases: [
      lease('a', { leaseOwner: ME }),
      lease('b', { leaseOwner: ME }),
      lease('done', { leaseOwner: 'w2', checkpoint: SHARD_END }),
    ],
    workerId: ME,
    held: new Set(['a', 'b']),
    liveWorkers: new Set([ME]),
    chosen: 0,
    ...change,
  };
}

describe('heartbeatDue', () => {
  test('holding nothing: every round, whatever the count', () => {
    for (let rounds = 0; rounds <= 5; rounds++) assert.equal(heartbeatDue(rounds, 0), true, String(rounds));
  });

  test('holding leases: every HEARTBEAT_ROUNDS_WHILE_HOLDING rounds since the last answered one', () => {
    assert.equal(HEARTBEAT_ROUNDS_WHILE_HOLDING, 2);
    for (const held of [1, 7]) {
      assert.equal(heartbeatDue(1, held), false, `${held} held, 1 round`);
      assert.equal(heartbeatDue(2, held), true, `${held} held, 2 rounds`);
      // A heartbeat that failed is not answered: the count goes on and the next round beats again.
      assert.equal(heartbeatDue(3, held), true, `${held} held, 3 rounds`);
    }
  });

  test('holding leases, the presence item moves well within the failover time', () => {
    for (const failoverMs of [1_000, 10_000, 60_000]) {
      const t = leaseTiming(failoverMs);
      // Between two heartbeats, plus one look of the others to notice the move.
      const worstGapMs = HEARTBEAT_ROUNDS_WHILE_HOLDING * t.renewIntervalMs + t.takeIntervalMs;
      assert.ok(worstGapMs <= failoverMs * 0.6, `${failoverMs}: ${worstGapMs}`);
    }
  });
});

describe('isSettled', () => {
  test('every lease to read mine and held, nobody asking, only me alive: settled', () => {
    assert.equal(isSettled(settled()), true);
  });

  test('a table of finished leases only, or none, with only me alive: settled', () => {
    assert.equal(isSettled(settled({ leases: [], held: new Set() })), true);
    assert.equal(
      isSettled(settled({ leases: [lease('x', { checkpoint: SHARD_END })], held: new Set() })),
      true,
    );
  });

  test('anything chosen to take or ask for: not settled', () => {
    assert.equal(isSettled(settled({ chosen: 1 })), false);
  });

  test('another worker alive (its presence item moving): not settled', () => {
    assert.equal(isSettled(settled({ liveWorkers: new Set([ME, 'w2']) })), false);
    assert.equal(isSettled(settled({ liveWorkers: new Set(['w2']) })), false);
  });

  test('my own presence missing from the look changes nothing', () => {
    assert.equal(isSettled(settled({ liveWorkers: new Set() })), true);
  });

  test('a lease to read held by another worker, or by nobody: not settled', () => {
    for (const owner of ['w2', undefined]) {
      const leases = [lease('a', { leaseOwner: ME }), lease('b', { leaseOwner: owner })];
      assert.equal(isSettled(settled({ leases })), false, String(owner));
    }
  });

  test('a lease in my name that I do not hold (handed to me, or left by an earlier run): not settled', () => {
    assert.equal(isSettled(settled({ held: new Set(['a']) })), false);
  });

  test('a child lease waiting for its parent, unowned: not settled (looked at as often as before)', () => {
    const leases = [lease('a', { leaseOwner: ME }), lease('child', { parentShardIds: ['a'] })];
    assert.equal(isSettled(settled({ leases, held: new Set(['a']) })), false);
  });

  test('another worker asked for one of my leases: not settled', () => {
    const leases = [lease('a', { leaseOwner: ME, pendingOwner: 'w2' }), lease('b', { leaseOwner: ME })];
    assert.equal(isSettled(settled({ leases })), false);
  });

  test('a request in my own name on my own lease is no request of anybody else', () => {
    const leases = [lease('a', { leaseOwner: ME, pendingOwner: ME }), lease('b', { leaseOwner: ME })];
    assert.equal(isSettled(settled({ leases })), true);
  });
});

describe('lookIntervalMs', () => {
  test('the look interval until SETTLED_LOOKS settled looks in a row, then the settled one', () => {
    const t = leaseTiming(10_000);
    assert.equal(SETTLED_LOOKS, 3);
    for (let n = 0; n < SETTLED_LOOKS; n++) assert.equal(lookIntervalMs(t, n), 2_000, String(n));
    for (const n of [SETTLED_LOOKS, SETTLED_LOOKS + 10]) assert.equal(lookIntervalMs(t, n), 5_000, String(n));
  });
});

describe('renewWaitMs', () => {
  test('rounds start every interval: the round takes its time off the wait, down to none', () => {
    const cases: [interval: number, round: number, wait: number][] = [
      [1_667, 0, 1_667],
      [1_667, 1, 1_666],
      [1_667, 600, 1_067],
      [1_667, 1_666, 1],
      [1_667, 1_667, 0],
      [1_667, 5_000, 0],
      [1_667, -30, 1_667],
      [0, 0, 0],
      [0, 100, 0],
    ];
    for (const [interval, round, wait] of cases) {
      assert.equal(renewWaitMs(interval, round), wait, `interval ${interval}, round ${round}`);
    }
  });
});

describe('renewalDue', () => {
  test('renewed from half an interval on', () => {
    const cases: [since: number, interval: number, due: boolean][] = [
      [0, 1_667, false],
      [833, 1_667, false],
      [833.5, 1_667, true],
      [1_667, 1_667, true],
      [60_000, 1_667, true],
      [0, 0, true],
    ];
    for (const [since, interval, due] of cases) {
      assert.equal(renewalDue(since, interval), due, `since ${since}, interval ${interval}`);
    }
  });

  test('a lease taken at any moment between rounds is renewed within 1.5 intervals, never later, inside the fencing window', () => {
    const t = leaseTiming(10_000);
    const interval = t.renewIntervalMs;
    // A write may start while the validity left covers its timeout: up to this long after the last renewal sent.
    const writable = t.failoverMs - t.safetyMs - t.writeRequestTimeoutMs;
    for (let takenAt = 0; takenAt < interval; takenAt += 7) {
      let last = takenAt;
      let longest = 0;
      for (let round = 1; round <= 20; round++) {
        const at = round * interval;
        if (renewalDue(at - last, interval)) {
          longest = Math.max(longest, at - last);
          last = at;
        }
      }
      assert.ok(longest <= 1.5 * interval, `taken at ${takenAt}: longest gap ${longest}`);
      assert.ok(longest < writable, `taken at ${takenAt}: ${longest} within ${writable}`);
    }
  });
});

describe('nextLookWaitMs', () => {
  test('the look interval when no lease waits to expire, or when one expires later than that', () => {
    assert.equal(nextLookWaitMs(2_000, undefined, 5_000), 2_000);
    assert.equal(nextLookWaitMs(2_000, 7_000, 5_000), 2_000);
    assert.equal(nextLookWaitMs(2_000, 9_000, 5_000), 2_000);
  });

  test('just after the moment a lease would expire, when that comes sooner', () => {
    for (const left of [0, 1, 500, 1_000, 2_000 - EXPIRY_LOOK_MARGIN_MS - 1]) {
      assert.equal(nextLookWaitMs(2_000, 5_000 + left, 5_000), left + EXPIRY_LOOK_MARGIN_MS, String(left));
    }
    assert.equal(nextLookWaitMs(2_000, 6_990, 5_000), 2_000, 'never longer than the interval');
  });

  test('a moment already past (the clock moved on since the look) looks after the margin only', () => {
    assert.equal(nextLookWaitMs(2_000, 4_000, 5_000), EXPIRY_LOOK_MARGIN_MS);
  });
});
