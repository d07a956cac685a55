import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SHARD_END, TRIM_HORIZON, type Lease } from './lease.js';
import { chooseLeasesToTake, isReady, type LeaseChoice, type LeaseChoiceInput } from './lease-decision.js';

const ME = 'worker-me';

function lease(
  leaseKey: string,
  options: {
    owner?: string;
    finished?: boolean;
    parents?: string[];
    counter?: number;
    pending?: string;
  } = {},
): Lease {
  return {
    leaseKey,
    leaseOwner: options.owner,
    leaseCounter: options.counter ?? 1,
    checkpoint: options.finished === true ? SHARD_END : TRIM_HORIZON,
    checkpointSubSequenceNumber: 0,
    ownerSwitchesSinceCheckpoint: 0,
    parentShardIds: options.parents ?? [],
    streamArn: 'arn:stream',
    pendingOwner: options.pending,
    lastRenewedAt: undefined,
    failoverMs: undefined,
    behindMs: undefined,
    startingSequenceNumber: undefined,
  };
}

function decide(leases: Lease[], overrides: Partial<LeaseChoiceInput> = {}): LeaseChoice {
  return chooseLeasesToTake({
    leases,
    workerId: ME,
    held: new Set(),
    expired: new Set(),
    streamShardIds: new Set(leases.map((l) => l.leaseKey)),
    ...overrides,
  });
}

function choose(leases: Lease[], overrides: Partial<LeaseChoiceInput> = {}): string[] {
  return decide(leases, overrides).take.map((l) => l.leaseKey);
}

const owned = (owner: string, keys: string[], options: { pending?: string } = {}): Lease[] =>
  keys.map((key) => lease(key, { owner, ...options }));

const keysFrom = (first: string, count: number): string[] =>
  Array.from({ length: count }, (_, i) => String.fromCharCode(first.charCodeAt(0) + i));
const keysOf = (leases: readonly Lease[]): string[] => leases.map((l) => l.leaseKey);
const byKey = (leases: Lease[]): Map<string, Lease> => new Map(leases.map((l) => [l.leaseKey, l]));

describe('isReady (parents first)', () => {
  const child = (parents: string[]): Lease => lease('child', { parents });

  test('a shard without parents is ready', () => {
    assert.equal(isReady(child([]), byKey([]), undefined), true);
  });

  test('parent finished: ready, whether the stream is known or not', () => {
    const leases = [lease('p', { finished: true })];
    assert.equal(isReady(child(['p']), byKey(leases), new Set(['p', 'child'])), true);
    assert.equal(isReady(child(['p']), byKey(leases), new Set(['child'])), true);
    assert.equal(isReady(child(['p']), byKey(leases), undefined), true);
  });

  test('parent unfinished: not ready, whether the stream is known or not', () => {
    for (const owner of [undefined, ME, 'other']) {
      const leases = [lease('p', { owner })];
      assert.equal(isReady(child(['p']), byKey(leases), new Set(['p', 'child'])), false);
      assert.equal(isReady(child(['p']), byKey(leases), new Set(['child'])), false);
      assert.equal(isReady(child(['p']), byKey(leases), undefined), false);
    }
  });

  test('parent lease missing but the parent is in the stream: not ready', () => {
    assert.equal(isReady(child(['p']), byKey([]), new Set(['p', 'child'])), false);
  });

  test('parent lease missing and the parent gone from the stream: ready', () => {
    assert.equal(isReady(child(['p']), byKey([]), new Set(['child'])), true);
    assert.equal(isReady(child(['p']), byKey([]), new Set()), true);
  });

  test('parent lease missing and the stream unknown: not ready', () => {
    assert.equal(isReady(child(['p']), byKey([]), undefined), false);
  });

  test('two parents: ready only when each one is', () => {
    const done = lease('p1', { finished: true });
    const open = lease('p2');
    const stream = new Set(['p1', 'p2', 'child']);
    assert.equal(isReady(child(['p1', 'p2']), byKey([done, open]), stream), false);
    assert.equal(isReady(child(['p2', 'p1']), byKey([done, open]), stream), false);
    const bothDone = [done, lease('p2', { finished: true })];
    assert.equal(isReady(child(['p1', 'p2']), byKey(bothDone), stream), true);
    // p2 has no lease: ready only once it is gone from the stream.
    assert.equal(isReady(child(['p1', 'p2']), byKey([done]), stream), false);
    assert.equal(isReady(child(['p1', 'p2']), byKey([done]), new Set(['p1', 'child'])), true);
    assert.equal(isReady(child(['p1', 'p2']), byKey([done]), undefined), false);
  });
});

describe('chooseLeasesToTake', () => {
  test('finished leases are never taken', () => {
    const leases = [lease('a', { finished: true }), lease('b', { finished: true, owner: ME })];
    const choice = chooseLeasesToTake({
      leases,
      workerId: ME,
      held: new Set(),
      expired: new Set(['a', 'b']),
      streamShardIds: undefined,
    });
    assert.deepEqual(choice.take, []);
    assert.equal(choice.target, 0);
  });

  test('unowned ready leases are taken', () => {
    assert.deepEqual(choose([lease('a'), lease('b')]), ['a', 'b']);
  });

  test('own leftover leases (owner is me, not held) are taken', () => {
    assert.deepEqual(choose([lease('a', { owner: ME }), lease('b', { owner: ME })]), ['a', 'b']);
  });

  test('a lease handed to this worker is taken before free ones, even when that puts it over its share', () => {
    // Two workers, 8 leases: a share of 4. Two held, one handed over ('z'), two free: the handed one and one free.
    const leases = [
      ...owned(ME, ['x', 'y']),
      lease('z', { owner: ME }),
      lease('a1'),
      lease('a2'),
      ...owned('w1', ['b', 'c', 'd']),
    ];
    assert.deepEqual(choose(leases, { held: new Set(['x', 'y']) }), ['z', 'a1']);
    // Already at its share: the handed lease is still taken (left alone, it would sit unread until it expired).
    const full = [...owned(ME, ['u', 'v', 'x', 'y', 'z']), ...owned('w1', ['b', 'c', 'd'])];
    const choice = decide(full, { held: new Set(['u', 'v', 'x', 'y']) });
    assert.equal(choice.target, 4);
    assert.deepEqual(keysOf(choice.take), ['z']);
    assert.deepEqual(choice.steals, []);
  });

  test('an own lease whose parent is unfinished is not taken', () => {
    const leases = [lease('p', { owner: 'other' }), lease('q-child', { owner: ME, parents: ['p'] })];
    assert.deepEqual(choose(leases), []);
  });

  test('leases asked for count toward the share: fewer free leases are taken', () => {
    // Two workers, 6 leases: a share of 3. One held, 'e' on its way from w1: one free lease fills the share, the
    // one dealt to this worker ('a' is w1's: free-lease-deal.ts).
    const leases = [
      lease('x', { owner: ME }),
      lease('a'),
      lease('b'),
      ...owned('w1', ['c', 'd']),
      lease('e', { owner: 'w1', pending: ME }),
    ];
    const choice = decide(leases, { held: new Set(['x']), longFree: new Set(['a', 'b']) });
    assert.deepEqual(keysOf(choice.take), ['b']);
    assert.deepEqual(choice.steals, []);
    // Unless its owner has expired: then the lease is free, and taken like any other.
    const expired = decide(leases, { held: new Set(['x']), expired: new Set(['c', 'd', 'e']) });
    assert.deepEqual(keysOf(expired.take), ['a', 'b', 'c', 'd', 'e']);
  });

  test('leases held now are not taken again but count against the share', () => {
    const leases = [lease('a', { owner: ME }), lease('b', { owner: ME }), lease('c')];
    assert.deepEqual(choose(leases, { held: new Set(['a']) }), ['b', 'c']);
    assert.deepEqual(choose(leases, { held: new Set(['a', 'b', 'c']) }), []);
  });

  test('expired leases of other workers are taken', () => {
    const leases = [lease('a', { owner: 'dead' }), lease('b', { owner: 'dead' })];
    const choice = chooseLeasesToTake({
      leases,
      workerId: ME,
      held: new Set(),
      expired: new Set(['a', 'b']),
      streamShardIds: undefined,
    });
    assert.deepEqual(
      choice.take.map((l) => l.leaseKey),
      ['a', 'b'],
    );
    assert.equal(choice.liveWorkers, 1, 'an owner whose leases all expired is not live');
  });

  test('leases of live other workers are not taken, even under the share', () => {
    const leases = [
      lease('a', { owner: 'other' }),
      lease('b', { owner: 'other' }),
      lease('c', { owner: 'other' }),
    ];
    const choice = chooseLeasesToTake({
      leases,
      workerId: ME,
      held: new Set(),
      expired: new Set(),
      streamShardIds: undefined,
    });
    assert.equal(choice.target, 2);
    assert.deepEqual(choice.take, []);
  });

  test("a worker handing leases over counts them for their askers, as the others do: a dead worker's leases are all taken", () => {
    // ME holds a-d and has been asked for c and d by 'other', which holds e and f; g-j were a dead worker's. Ten
    // leases, two live workers: five each. Both count c and d for 'other' (ME 2, other 4), so ME takes three of
    // the expired leases and 'other' one. Counted for both, ME saw itself at four and took one: two leases
    // waited for the hand-overs to finish.
    const dead = owned('gone', ['g', 'h', 'i', 'j']);
    const leases = [
      ...owned(ME, ['a', 'b']),
      ...owned(ME, ['c', 'd'], { pending: 'other' }),
      ...owned('other', ['e', 'f']),
      ...dead,
    ];
    const expired = new Set(keysOf(dead));
    const mine = decide(leases, { held: new Set(['a', 'b', 'c', 'd']), expired });
    const others = decide(leases, { workerId: 'other', held: new Set(['e', 'f']), expired });
    assert.equal(mine.target, 5);
    assert.equal(mine.take.length, 3);
    assert.equal(others.take.length, 1);
  });

  test('only the expired lease of a live worker is taken', () => {
    const leases = [lease('a', { owner: 'other' }), lease('b', { owner: 'other' })];
    assert.deepEqual(choose(leases, { expired: new Set(['b']) }), ['b']);
  });

  for (const live of [1, 2, 3, 4, 5]) {
    test(`fair share with ${live} live worker(s): ceil(10 / ${live})`, () => {
      // Each other worker holds one lease; the rest are free.
      const others = Array.from({ length: live - 1 }, (_, i) => lease(`s${i}`, { owner: `w${i}` }));
      const free = Array.from({ length: 10 - others.length }, (_, i) => lease(`s${String(i + live - 1)}`));
      const input = {
        leases: [...others, ...free],
        workerId: ME,
        held: new Set<string>(),
        expired: new Set<string>(),
        streamShardIds: undefined,
      };
      const choice = chooseLeasesToTake(input);
      const target = Math.ceil(10 / live);
      assert.equal(choice.liveWorkers, live);
      assert.equal(choice.target, target);
      // At once only what was dealt to it; the others' once they have left them free for a while.
      assert.ok(choice.take.length <= target);
      assert.ok(choice.take.every((l) => l.leaseOwner === undefined));
      const later = chooseLeasesToTake({ ...input, longFree: new Set(keysOf(free)) });
      assert.equal(later.take.length, target);
      assert.deepEqual(keysOf(later.take).slice(0, choice.take.length), keysOf(choice.take), 'its own first');
    });
  }

  test('held count reduces the room left', () => {
    const leases = [
      lease('a', { owner: ME }),
      lease('b', { owner: 'other' }),
      lease('c'),
      lease('d'),
      lease('e'),
      lease('f'),
    ];
    const choice = chooseLeasesToTake({
      leases,
      workerId: ME,
      held: new Set(['a']),
      expired: new Set(),
      streamShardIds: undefined,
    });
    assert.equal(choice.target, 3);
    // Dealt: 'c' and 'e' to 'other' (which holds 'b'), 'd' and 'f' to this worker.
    assert.deepEqual(
      choice.take.map((l) => l.leaseKey),
      ['d', 'f'],
    );
  });

  test('finished leases count neither for the share nor for live workers', () => {
    const leases = [lease('old', { owner: 'other', finished: true }), lease('a'), lease('b')];
    const choice = chooseLeasesToTake({
      leases,
      workerId: ME,
      held: new Set(['old']),
      expired: new Set(),
      streamShardIds: undefined,
    });
    assert.equal(choice.liveWorkers, 1);
    assert.equal(choice.target, 2);
    assert.deepEqual(
      choice.take.map((l) => l.leaseKey),
      ['a', 'b'],
    );
  });

  test('the result is sorted by shard id, those dealt to this worker first, and cut at the room left', () => {
    const leases = ['shard-5', 'shard-2', 'shard-9', 'shard-1', 'shard-7', 'shard-3'].map((k) => lease(k));
    assert.deepEqual(choose(leases), ['shard-1', 'shard-2', 'shard-3', 'shard-5', 'shard-7', 'shard-9']);
    const withOther = [...leases, lease('shard-0', { owner: 'other' })];
    assert.deepEqual(choose(withOther), ['shard-1', 'shard-3', 'shard-7']);
    const anyFree = { longFree: new Set(keysOf(leases)) };
    assert.deepEqual(choose(withOther, anyFree), ['shard-1', 'shard-3', 'shard-7', 'shard-2']);
  });

  test('a child whose parent is unfinished is not taken; the parent is', () => {
    const leases = [lease('b-child', { parents: ['a-parent'] }), lease('a-parent')];
    assert.deepEqual(choose(leases), ['a-parent']);
  });

  test('a child whose parent another worker is still reading is not taken', () => {
    const leases = [lease('b-child', { parents: ['a-parent'] }), lease('a-parent', { owner: 'other' })];
    assert.deepEqual(choose(leases), []);
  });

  test('a child whose parent is finished is taken', () => {
    const leases = [lease('b-child', { parents: ['a-parent'] }), lease('a-parent', { finished: true })];
    assert.deepEqual(choose(leases), ['b-child']);
  });

  test('a child whose parent has no lease waits while the parent is in the stream or the stream is unknown', () => {
    const leases = [lease('b-child', { parents: ['a-parent'] })];
    assert.deepEqual(choose(leases, { streamShardIds: new Set(['a-parent', 'b-child']) }), []);
    assert.deepEqual(choose(leases, { streamShardIds: undefined }), []);
    assert.deepEqual(choose(leases, { streamShardIds: new Set(['b-child']) }), ['b-child']);
  });

  test('with no active lease the target is 0 and nothing is taken', () => {
    const choice = chooseLeasesToTake({
      leases: [],
      workerId: ME,
      held: new Set(),
      expired: new Set(),
      streamShardIds: undefined,
    });
    assert.deepEqual(choice, { take: [], steals: [], target: 0, liveWorkers: 1, free: [] });
  });
});

describe('chooseLeasesToTake: graceful hand-over (steal)', () => {
  test('under the share with nothing free: ask the most loaded worker for its last lease', () => {
    const choice = decide(owned('w1', ['a', 'b', 'c']));
    assert.deepEqual(choice.take, []);
    assert.deepEqual(keysOf(choice.steals), ['c']);
  });

  test('a worker that joins asks for its whole share at once, last shards first', () => {
    const choice = decide(owned('w1', ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h']));
    assert.equal(choice.target, 4);
    assert.deepEqual(keysOf(choice.steals), ['h', 'g', 'f', 'e']);
  });

  test('asks several workers, the most loaded first, and stops where the fleet is even', () => {
    // 8 leases over w1, w2 and this worker: a share of 3; after two moves it is 3, 3 against 2.
    const choice = decide([...owned('w1', ['a', 'b', 'c', 'd']), ...owned('w2', ['e', 'f', 'g', 'h'])]);
    assert.equal(choice.target, 3);
    assert.deepEqual(keysOf(choice.steals), ['d', 'h']);
  });

  test('requests already pending to this worker count toward its share', () => {
    const leases = [
      ...owned('w1', ['a', 'b', 'c', 'd']),
      lease('e', { owner: 'w1', pending: ME }),
      lease('f', { owner: 'w1', pending: ME }),
    ];
    // A share of 3: two are on their way, w1 keeps 4, so one more.
    assert.deepEqual(keysOf(decide(leases).steals), ['d']);
  });

  test('a lease on its way to another worker counts for that worker, not for its owner', () => {
    // w1 keeps 2 of its 4 (two are asked for by w2): against this worker's 1, 2 stays.
    const leases = [
      ...owned('w1', ['a', 'b']),
      lease('c', { owner: 'w1', pending: 'w2' }),
      lease('d', { owner: 'w1', pending: 'w2' }),
      lease('x', { owner: ME }),
    ];
    assert.deepEqual(decide(leases, { held: new Set(['x']) }).steals, []);
  });

  test('a worker that asked for a lease counts as live, though it holds nothing yet', () => {
    // 12 leases of w1, three asked for by w2: three live workers, a share of 4 (not 6, as if w2 were not there).
    const leases = [...owned('w1', keysFrom('a', 9)), ...owned('w1', ['x', 'y', 'z'], { pending: 'w2' })];
    const choice = decide(leases);
    assert.equal(choice.liveWorkers, 3);
    assert.equal(choice.target, 4);
    assert.equal(choice.steals.length, 4);
    // An expired lease says nothing of the worker that asked for it.
    const stale = decide(leases, { expired: new Set(['x', 'y', 'z']) });
    assert.equal(stale.liveWorkers, 2);
  });

  test('a worker whose presence is alive counts, though it holds and asked for nothing', () => {
    // 8 free leases; another worker has just started (its presence item is alive): half each, not all.
    const leases = keysFrom('a', 8).map((key) => lease(key));
    assert.equal(choose(leases).length, 8);
    const choice = decide(leases, { liveWorkers: new Set(['newcomer']) });
    assert.equal(choice.liveWorkers, 2);
    // Every second one: dealt to it, the others to the newcomer.
    assert.deepEqual(keysOf(choice.take), ['b', 'd', 'f', 'h']);
    // This worker's own presence is not counted twice.
    assert.equal(decide(leases, { liveWorkers: new Set([ME]) }).liveWorkers, 1);
  });

  test('no request when free leases fill the room', () => {
    const choice = decide([...owned('w1', ['a', 'b', 'c']), lease('d'), lease('e')]);
    assert.deepEqual(
      choice.take.map((l) => l.leaseKey),
      ['d', 'e'],
    );
    assert.deepEqual(choice.steals, []);
  });

  test('no request unless it evens the fleet out (2 against 1 stays)', () => {
    const choice = decide([...owned('w1', ['a', 'b']), lease('x', { owner: ME })], { held: new Set(['x']) });
    assert.equal(choice.target, 2);
    assert.deepEqual(choice.steals, []);
  });

  test('taking free leases first counts toward the evenness check', () => {
    // w1 has 3; this worker takes the free one, then 3 against 1 still moves one.
    const choice = decide([...owned('w1', ['a', 'b', 'c']), lease('z')]);
    assert.deepEqual(
      choice.take.map((l) => l.leaseKey),
      ['z'],
    );
    assert.deepEqual(keysOf(choice.steals), ['c']);
  });

  test('the most loaded worker is asked first; on a tie the first by name', () => {
    assert.deepEqual(
      keysOf(decide([...owned('w1', ['a', 'b', 'c']), ...owned('w2', ['d', 'e', 'f', 'g'])]).steals),
      ['g', 'c'],
    );
    assert.deepEqual(
      keysOf(decide([...owned('w2', ['d', 'e', 'f']), ...owned('w1', ['a', 'b', 'c'])]).steals),
      ['c', 'f'],
    );
  });

  test('a pending request of this worker that fills its share blocks another one', () => {
    const leases = [...owned('w1', ['a', 'b']), lease('c', { owner: 'w1', pending: ME })];
    assert.deepEqual(decide(leases).steals, []);
  });

  test('a lease another worker already asked for is not asked for again', () => {
    const leases = [...owned('w1', ['a', 'b']), lease('c', { owner: 'w1', pending: 'w2' })];
    assert.deepEqual(keysOf(decide(leases).steals), ['b']);
  });

  test('a lease that is not ready is not asked for', () => {
    const leases = [...owned('w1', ['a', 'b']), lease('c', { owner: 'w1', parents: ['p'] })];
    const choice = decide(leases, { streamShardIds: new Set(['a', 'b', 'c', 'p']) });
    assert.deepEqual(keysOf(choice.steals), ['b']);
  });

  test('expired leases are taken, not asked for, and do not count as load', () => {
    // w1 shows 3 leases but one expired: after taking it, 2 against 1 stays.
    const choice = decide(owned('w1', ['a', 'b', 'c']), { expired: new Set(['a']) });
    assert.deepEqual(
      choice.take.map((l) => l.leaseKey),
      ['a'],
    );
    assert.deepEqual(choice.steals, []);
  });
});

describe('a plan: the share is over every task of the plan', () => {
  const elsewhere = (active: number, loads: Record<string, number>, live: string[] = Object.keys(loads)) => ({
    active,
    loads: new Map(Object.entries(loads)),
    live: new Set(live),
  });

  test('200 one-shard tables on 8 workers: a worker holding its 25 elsewhere takes no more here', () => {
    const loads = { [ME]: 25, w1: 25, w2: 25, w3: 25, w4: 25, w5: 25, w6: 24, w7: 25 };
    const choice = decide([lease('a')], { elsewhere: elsewhere(199, loads) });
    assert.equal(choice.target, 25);
    assert.equal(choice.liveWorkers, 8);
    assert.deepEqual(keysOf(choice.take), []);
  });

  test('the worker under its plan-wide share takes the free lease here', () => {
    const loads = { [ME]: 24, w1: 25, w2: 25, w3: 25, w4: 25, w5: 25, w6: 25, w7: 25 };
    assert.deepEqual(choose([lease('a')], { elsewhere: elsewhere(199, loads) }), ['a']);
  });

  test('workers alive only in other tasks count in the share', () => {
    // Four free leases here, nothing elsewhere, but three more workers are alive in other tables: one each.
    const choice = decide([lease('a'), lease('b'), lease('c'), lease('d')], {
      elsewhere: elsewhere(0, {}, ['w1', 'w2', 'w3']),
    });
    assert.equal(choice.target, 1);
    assert.deepEqual(keysOf(choice.take), ['d'], 'the one dealt to it');
  });

  test("its own leases elsewhere count: a worker with its share in other tables leaves this table's to others", () => {
    const choice = decide([lease('a'), lease('b')], {
      elsewhere: elsewhere(2, { [ME]: 2 }, [ME, 'w1']),
    });
    assert.equal(choice.target, 2);
    assert.deepEqual(keysOf(choice.take), []);
    assert.deepEqual(keysOf(choice.steals), []);
  });

  test('asks an owner loaded across the plan for a lease here, judged by its plan-wide load', () => {
    // Here w1 holds 2 and this worker 0; elsewhere w1 holds 4 more, w2 3, this worker 1: 10 leases, 3 workers.
    const leases = owned('w1', ['a', 'b']);
    const choice = decide(leases, { elsewhere: elsewhere(8, { w1: 4, w2: 3, [ME]: 1 }) });
    assert.equal(choice.target, 4);
    assert.deepEqual(keysOf(choice.steals), ['b', 'a']);
  });

  test('an owner heavy only elsewhere is not asked here for what it does not hold here', () => {
    const leases = owned('w1', ['a']);
    const choice = decide(leases, { elsewhere: elsewhere(6, { w2: 6 }) });
    // w1 holds 1 in all; this worker 0; w2 6: nothing here is worth moving from w1.
    assert.deepEqual(keysOf(choice.steals), []);
  });

  test('without `elsewhere` the decision is the single table one', () => {
    const leases = [...owned('w1', ['a', 'b', 'c']), lease('d')];
    assert.deepEqual(decide(leases), decide(leases, { elsewhere: elsewhere(0, {}, []) }));
  });
});
