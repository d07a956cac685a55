// LeaseCoordinator.unownedShards over a lease table that changes only as the test says: the take loop's last look
// counts shards nobody reads (no owner, or a lease expired by this worker's clock), not finished ones, and not a
// child whose parent is still being read.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EventBus } from '../observability/events.js';
import { silentLogger } from '../observability/logger.js';
import { setTimeout as sleep } from 'node:timers/promises';
import { SHARD_END, type Lease } from './lease.js';
import { LeaseCoordinator } from './lease-coordinator.js';
import type { Fleet, LeaseStore } from './lease-store.js';

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

async function until(what: string, check: () => boolean): Promise<void> {
  for (const deadline = performance.now() + 5_000; !check(); await sleep(10)) {
    if (performance.now() > deadline) assert.fail(`timed out waiting for ${what}`);
  }
}

/** A lease table whose takes and hand-over requests always lose: what the test lists stays as it is. */
function store(list: () => Lease[]): LeaseStore {
  const refused = (): Promise<false> => Promise.resolve(false);
  const fleet = (): Promise<Fleet> =>
    Promise.resolve({ leases: list(), workers: [], copyItems: [], failures: [] });
  return {
    tableName: 'leases',
    ensureTable: () => Promise.resolve({ created: false }),
    list: () => Promise.resolve(list()),
    listFleet: fleet,
    heartbeat: () => Promise.resolve(),
    removeWorker: refused,
    create: refused,
    createAll: refused,
    take: () => Promise.resolve(undefined),
    takeAll: () => Promise.resolve(undefined),
    renew: () => Promise.resolve(undefined),
    renewAll: () => Promise.resolve({ refused: [] }),
    checkpoint: refused,
    release: refused,
    requestHandover: refused,
    handOver: refused,
    recordFailure: () => Promise.resolve(),
    clearFailures: () => Promise.resolve(),
    deleteFinished: refused,
  };
}

test('unowned shards: no owner or expired, not finished, parents done; undefined before the first look', async () => {
  let now = 0;
  let looks = 0;
  let renewals = 0;
  const coordinator = new LeaseCoordinator({
    store: store(() => {
      looks += 1;
      renewals += 1;
      return [
        lease('free'),
        lease('finished', { checkpoint: SHARD_END }),
        // Read by a live worker: its counter moves at every look.
        lease('parent', { leaseOwner: 'other', leaseCounter: renewals }),
        lease('child', { parentShardIds: ['parent'] }),
        // Its owner stopped renewing: expired once this worker's clock has seen it still for the failover time.
        lease('stale', { leaseOwner: 'gone', leaseCounter: 7 }),
      ];
    }),
    workerId: 'me',
    failoverMs: 500,
    events: new EventBus(),
    logger: silentLogger(),
    clock: () => now,
    streamShardIds: () => undefined,
    onAcquired: () => undefined,
    onHandoverRequested: () => Promise.resolve(),
    onFatal: (err) => assert.fail(String(err)),
  });
  assert.equal(coordinator.unownedShards, undefined);
  const stop = new AbortController();
  const running = coordinator.run(stop.signal, stop.signal);
  try {
    // The second look has begun once the first has ended.
    await until('the first look', () => looks > 1);
    assert.equal(coordinator.unownedShards, 1, 'only the free one: the stale lease is not expired yet');
    now = 1_000;
    const seen = looks;
    await until('a look after the failover time', () => looks > seen + 1);
    assert.equal(coordinator.unownedShards, 2, 'the free one and the expired one');
  } finally {
    stop.abort();
    await running;
  }
});

/**
 * A worker's first takes, against a table that only it changes: the looks it made before its first take, and
 * what it took. `others(look)` lists the other workers whose presence items that look finds.
 */
async function firstTakes(
  leases: Lease[],
  others: (look: number) => string[],
): Promise<{ looksBeforeTake: number; taken: string[] }> {
  let looks = 0;
  let looksBeforeTake: number | undefined;
  const taken: string[] = [];
  const base = store(() => leases);
  const coordinator = new LeaseCoordinator({
    store: {
      ...base,
      listFleet: () => {
        looks += 1;
        const workers = ['me', ...others(looks)].map((workerId) => ({
          workerId,
          heartbeat: 1,
          lastSeenAt: undefined,
          failoverMs: undefined,
        }));
        return Promise.resolve({ leases, workers, copyItems: [], failures: [] });
      },
      take: (seen, owner) => {
        looksBeforeTake ??= looks;
        // The stub refuses renewals, so later looks take the leases again: only the first take's look counts.
        if (looks === looksBeforeTake) taken.push(seen.leaseKey);
        return Promise.resolve({ ...seen, leaseOwner: owner, leaseCounter: seen.leaseCounter + 1 });
      },
    },
    workerId: 'me',
    failoverMs: 500,
    events: new EventBus(),
    logger: silentLogger(),
    streamShardIds: () => undefined,
    onAcquired: () => undefined,
    onHandoverRequested: () => Promise.resolve(),
    onFatal: (err) => assert.fail(String(err)),
  });
  const stop = new AbortController();
  const running = coordinator.run(stop.signal, stop.signal);
  try {
    await until('a take', () => looksBeforeTake !== undefined);
    // The takes of that look have all been sent once the next look has begun.
    const seen = looks;
    await until('the next look', () => looks > seen);
  } finally {
    stop.abort();
    await running;
  }
  return { looksBeforeTake: looksBeforeTake ?? 0, taken };
}

test('start settle: a lone worker takes the free leases at its second look, all of them', async () => {
  const free = [lease('a'), lease('b'), lease('c')];
  assert.deepEqual(await firstTakes(free, () => []), { looksBeforeTake: 2, taken: ['a', 'b', 'c'] });
});

test('start settle: nothing free (its own leases from an earlier run): taken at the first look', async () => {
  const own = [lease('a', { leaseOwner: 'me' }), lease('b', { leaseOwner: 'me' })];
  assert.deepEqual(await firstTakes(own, () => []), { looksBeforeTake: 1, taken: ['a', 'b'] });
});

test('start settle: a worker that appears meanwhile makes it look once more, and gets its deal', async () => {
  const free = [lease('a'), lease('b'), lease('c'), lease('d')];
  const result = await firstTakes(free, (look) => (look >= 2 ? ['zz-other'] : []));
  assert.equal(result.looksBeforeTake, 3);
  assert.equal(result.taken.length, 2, `half of 4: ${result.taken.join()}`);
});

test('a round of renewals keeps at most 16 in flight and renews every held lease', async () => {
  const leases = Array.from({ length: 40 }, (_, i) => lease(`shard-${String(i).padStart(2, '0')}`));
  let inFlight = 0;
  let mostInFlight = 0;
  let looks = 0;
  const renewed = new Set<string>();
  const acquired: string[] = [];
  const coordinator = new LeaseCoordinator({
    store: {
      ...store(() => leases),
      listFleet: () => {
        looks += 1;
        const workers = [{ workerId: 'me', heartbeat: looks, lastSeenAt: undefined, failoverMs: undefined }];
        return Promise.resolve({ leases: looks <= 2 ? leases : [], workers, copyItems: [], failures: [] });
      },
      take: (seen, owner) =>
        Promise.resolve({ ...seen, leaseOwner: owner, leaseCounter: seen.leaseCounter + 1 }),
      renew: async (seen) => {
        inFlight += 1;
        mostInFlight = Math.max(mostInFlight, inFlight);
        await sleep(5);
        inFlight -= 1;
        renewed.add(seen.leaseKey);
        return { ...seen, leaseCounter: seen.leaseCounter + 1 };
      },
    },
    workerId: 'me',
    // Renewals every 100 ms.
    failoverMs: 600,
    events: new EventBus(),
    logger: silentLogger(),
    // A clock that moves: a lease renewed or taken less than half an interval ago waits for the next round.
    clock: () => performance.now(),
    streamShardIds: () => undefined,
    onAcquired: (held) => acquired.push(held.shardId),
    onHandoverRequested: () => Promise.resolve(),
    onFatal: (err) => assert.fail(String(err)),
  });
  const stop = new AbortController();
  const running = coordinator.run(stop.signal, stop.signal);
  try {
    await until('every lease renewed', () => acquired.length === 40 && renewed.size === 40);
    assert.ok(
      mostInFlight > 1 && mostInFlight <= 16,
      `renewals in flight together, at most 16 (${mostInFlight})`,
    );
  } finally {
    stop.abort();
    await running;
  }
});
