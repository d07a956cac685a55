import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { TRIM_HORIZON, type Lease } from './lease.js';
import { dealFreeLeases, type DealInput } from './free-lease-deal.js';

function lease(leaseKey: string, leaseOwner?: string): Lease {
  return {
    leaseKey,
    leaseOwner,
    leaseCounter: 1,
    checkpoint: TRIM_HORIZON,
    checkpointSubSequenceNumber: 0,
    ownerSwitchesSinceCheckpoint: 0,
    parentShardIds: [],
    streamArn: undefined,
    pendingOwner: undefined,
    lastRenewedAt: undefined,
    failoverMs: undefined,
    behindMs: undefined,
    startingSequenceNumber: undefined,
  };
}

const shards = (count: number, prefix = 'shardId-'): Lease[] =>
  Array.from({ length: count }, (_, i) => lease(`${prefix}${String(i).padStart(4, '0')}`));
const ids = (count: number): string[] => Array.from({ length: count }, (_, i) => `w${i}`);

/** Leases dealt to each worker, by worker. */
function byWorker(dealt: ReadonlyMap<string, string>): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const [key, worker] of dealt) out.set(worker, [...(out.get(worker) ?? []), key]);
  return out;
}

function coldDeal(leases: Lease[], workers: string[]): Map<string, string> {
  const target = Math.ceil(leases.length / Math.max(1, workers.length));
  return dealFreeLeases({
    active: leases,
    free: leases,
    workers: new Set(workers),
    loads: new Map(),
    target,
  });
}

describe('dealFreeLeases', () => {
  test('a cold start: every lease dealt, each worker the floor or the ceiling of the share', () => {
    for (let n = 1; n <= 8; n++) {
      for (let count = 0; count <= 40; count++) {
        const dealt = coldDeal(shards(count), ids(n));
        const label = `${count} leases, ${n} workers`;
        assert.equal(dealt.size, count, label);
        const sizes = ids(n).map((w) => byWorker(dealt).get(w)?.length ?? 0);
        for (const size of sizes) {
          assert.ok(
            size === Math.floor(count / n) || size === Math.ceil(count / n),
            `${label}: ${sizes.join('/')}`,
          );
        }
      }
    }
  });

  test('12 shards on 3 workers: 4 each', () => {
    const sizes = [...byWorker(coldDeal(shards(12), ids(3))).values()].map((keys) => keys.length);
    assert.deepEqual(sizes, [4, 4, 4]);
  });

  test('a cold start deals the same whatever was taken meanwhile: workers that look in turn agree', () => {
    // Each worker looks in some order and takes (part of) what was dealt to it; the next one deals what is left,
    // with the takes counted in the loads. Every later deal gives each worker a subset of its first deal.
    let seed = 7;
    const random = (): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    for (let round = 0; round < 300; round++) {
      const n = 1 + Math.floor(random() * 5);
      const count = Math.floor(random() * 30);
      const workers = ids(n);
      const all = shards(count, `s${round}-`);
      const first = coldDeal(all, workers);
      const target = Math.ceil(count / n);
      const owner = new Map<string, string>();
      for (let look = 0; look < 3 * n; look++) {
        const me = workers[Math.floor(random() * n)] ?? 'w0';
        const loads = new Map<string, number>();
        for (const w of owner.values()) loads.set(w, (loads.get(w) ?? 0) + 1);
        const input: DealInput = {
          active: all,
          free: all.filter((l) => !owner.has(l.leaseKey)),
          workers: new Set(workers),
          loads,
          target,
        };
        const dealt = dealFreeLeases(input);
        for (const [key, worker] of dealt) assert.equal(worker, first.get(key), `round ${round}: ${key}`);
        // It takes what was dealt to it in shard-id order, one after the other: some of it by the next look.
        const mine = [...dealt].filter(([, worker]) => worker === me).map(([key]) => key);
        for (const key of mine.slice(0, Math.floor(random() * (mine.length + 1)))) owner.set(key, me);
      }
    }
  });

  test('the one-shard tables of a plan do not all go to the same worker', () => {
    const workers = ids(8);
    const counts = new Map<string, number>();
    for (let t = 0; t < 200; t++) {
      const only = [lease(`shardId-table${t}-00000001`)];
      const dealt = coldDeal(only, workers);
      const to = dealt.get(only[0]?.leaseKey ?? '') ?? 'none';
      counts.set(to, (counts.get(to) ?? 0) + 1);
    }
    assert.equal(counts.size, 8, JSON.stringify([...counts]));
    for (const n of counts.values()) assert.ok(n >= 10 && n <= 45, JSON.stringify([...counts]));
  });

  test('a worker at its share gets nothing more: the least loaded one under it does', () => {
    // w0 holds 4 of 10 (a share of 4); w1 holds 1, w2 none: the rest go to w2, then to both, 4/3/3 (not 4/4/2).
    const leases = shards(10);
    const held = leases.slice(0, 5).map((l, i) => lease(l.leaseKey, i < 4 ? 'w0' : 'w1'));
    const free = leases.slice(5);
    const dealt = dealFreeLeases({
      active: [...held, ...free],
      free,
      workers: new Set(ids(3)),
      loads: new Map([
        ['w0', 4],
        ['w1', 1],
      ]),
      target: 4,
    });
    const sizes = byWorker(dealt);
    assert.equal(sizes.get('w0'), undefined);
    assert.equal((sizes.get('w1')?.length ?? 0) + 1, 3);
    assert.equal(sizes.get('w2')?.length, 3);
  });

  test('nobody has room: nothing dealt; nobody live: nothing dealt', () => {
    const leases = shards(3);
    const full = {
      active: leases,
      free: leases,
      loads: new Map([
        ['w0', 2],
        ['w1', 2],
      ]),
      target: 2,
    };
    assert.equal(dealFreeLeases({ ...full, workers: new Set(ids(2)) }).size, 0);
    assert.equal(dealFreeLeases({ ...full, workers: new Set<string>() }).size, 0);
  });

  test('every worker deals alike, whatever order it lists the workers in', () => {
    const leases = shards(9);
    const a = coldDeal(leases, ['w2', 'w0', 'w1']);
    const b = coldDeal(leases, ['w1', 'w2', 'w0']);
    assert.deepEqual([...a], [...b]);
  });
});
