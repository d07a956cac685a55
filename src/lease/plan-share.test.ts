import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SHARD_END, TRIM_HORIZON, type Lease } from './lease.js';
import { onTheirWay, PlanShare, taskLook, type TaskLook } from './plan-share.js';

const ME = 'me';

function lease(key: string, owner?: string, options: { finished?: boolean; pending?: string } = {}): Lease {
  return {
    leaseKey: key,
    leaseOwner: owner,
    leaseCounter: 1,
    checkpoint: options.finished === true ? SHARD_END : TRIM_HORIZON,
    checkpointSubSequenceNumber: 0,
    ownerSwitchesSinceCheckpoint: 0,
    parentShardIds: [],
    streamArn: 'arn:stream',
    pendingOwner: options.pending,
    lastRenewedAt: undefined,
    failoverMs: undefined,
    behindMs: undefined,
    startingSequenceNumber: undefined,
  };
}

const look = (active: number, loads: Record<string, number>, live: string[]): TaskLook => ({
  active,
  loads: new Map(Object.entries(loads)),
  live: new Set(live),
});

describe('taskLook', () => {
  test('counts leases to read, others’ unexpired leases by owner, and who is alive', () => {
    const seen = taskLook(
      [
        lease('a', ME),
        lease('b', 'w1'),
        lease('c', 'w1', { pending: 'w3' }),
        lease('d', 'w2'),
        lease('e'),
        lease('f', 'w1', { finished: true }),
      ],
      new Set(['d']),
      new Set(['w4']),
      ME,
    );
    assert.equal(seen.active, 5);
    assert.deepEqual([...seen.loads], [['w1', 2]]);
    assert.deepEqual([...seen.live].sort(), [ME, 'w1', 'w3', 'w4']);
  });
});

describe('PlanShare', () => {
  test('sums the other tasks: their leases, loads and workers, and what this worker holds there now', () => {
    const share = new PlanShare();
    share.join('t1', { lastLook: () => look(3, { w1: 2 }, [ME, 'w1']), heldNow: () => 1 });
    share.join('t2', { lastLook: () => look(4, { w1: 1, w2: 2 }, ['w1', 'w2']), heldNow: () => 1 });
    share.join('t3', { lastLook: () => look(9, { w9: 9 }, ['w9']), heldNow: () => 0 });
    const elsewhere = share.elsewhere('t3', ME);
    assert.equal(elsewhere.active, 7);
    assert.deepEqual(Object.fromEntries(elsewhere.loads), { w1: 3, w2: 2, [ME]: 2 });
    assert.deepEqual([...elsewhere.live].sort(), [ME, 'w1', 'w2']);
  });

  test('a task before its first look counts only what this worker holds there', () => {
    const share = new PlanShare();
    share.join('t1', { lastLook: () => undefined, heldNow: () => 2 });
    assert.deepEqual(share.elsewhere('t2', ME), { active: 0, loads: new Map([[ME, 2]]), live: new Set() });
  });

  test('a task that left is no longer counted; leaving twice or after a rejoin leaves the new one', () => {
    const share = new PlanShare();
    const first = share.join('t1', { lastLook: () => look(5, {}, []), heldNow: () => 0 });
    first();
    assert.equal(share.elsewhere('t2', ME).active, 0);
    share.join('t1', { lastLook: () => look(2, {}, []), heldNow: () => 0 });
    first();
    assert.equal(share.elsewhere('t2', ME).active, 2);
  });
});

test('onTheirWay: leases a live owner is handing over to this worker, not its own, free, finished or expired ones', () => {
  const leases = [
    lease('a', 'w2', { pending: 'w1' }),
    lease('b', 'w3', { pending: 'w1' }),
    lease('c', 'w2', { pending: 'w3' }),
    lease('d', 'w1', { pending: 'w1' }),
    lease('e', undefined, { pending: 'w1' }),
    lease('f', 'w2', { pending: 'w1', finished: true }),
    lease('g', 'w4', { pending: 'w1' }),
  ];
  assert.equal(onTheirWay(leases, new Set(['g']), 'w1'), 2);
  assert.equal(onTheirWay(leases, new Set(), 'w3'), 1);
  assert.equal(onTheirWay([], new Set(), 'w1'), 0);
});
