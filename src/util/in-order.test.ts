import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { setImmediate as tick } from 'node:timers/promises';
import { inOrder } from './in-order.js';

/** A call the test answers by hand, in any order. */
interface Pending {
  readonly item: number;
  resolve(value: string): void;
  reject(err: unknown): void;
}

function controlled(): { calls: Pending[]; work: (item: number) => Promise<string> } {
  const calls: Pending[] = [];
  const work = (item: number): Promise<string> =>
    new Promise<string>((resolve, reject) => {
      calls.push({ item, resolve, reject });
    });
  return { calls, work };
}

async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await tick();
}

function callOf(calls: readonly Pending[], item: number): Pending {
  const call = calls.find((c) => c.item === item);
  if (call === undefined) throw new Error(`item ${item} was not started`);
  return call;
}

describe('inOrder', () => {
  test('a limit below 1 is refused', async () => {
    for (const limit of [0, -1, Number.NaN]) {
      await assert.rejects(
        inOrder(
          [1],
          limit,
          () => Promise.resolve(1),
          () => undefined,
        ),
        RangeError,
      );
    }
  });

  test('an empty list uses nothing and ends', async () => {
    const used: unknown[] = [];
    await inOrder(
      [],
      3,
      () => Promise.resolve(1),
      (r) => used.push(r),
    );
    assert.deepEqual(used, []);
  });

  test('at most `limit` calls are in flight, and no item runs ahead of the next use by more than the window', async () => {
    const { calls, work } = controlled();
    const used: string[] = [];
    const done = inOrder([0, 1, 2, 3, 4, 5], 3, work, (r) => used.push(r));
    await settle();
    assert.deepEqual(
      calls.map((c) => c.item),
      [0, 1, 2],
    );
    // Later items finishing first do not open the window: item 0 is still the next to use.
    callOf(calls, 2).resolve('r2');
    callOf(calls, 1).resolve('r1');
    await settle();
    assert.deepEqual(
      calls.map((c) => c.item),
      [0, 1, 2],
    );
    assert.deepEqual(used, []);
    callOf(calls, 0).resolve('r0');
    await settle();
    assert.deepEqual(used, ['r0', 'r1', 'r2']);
    assert.deepEqual(
      calls.map((c) => c.item),
      [0, 1, 2, 3, 4, 5],
    );
    for (const item of [5, 3, 4]) callOf(calls, item).resolve(`r${item}`);
    await done;
    assert.deepEqual(used, ['r0', 'r1', 'r2', 'r3', 'r4', 'r5']);
  });

  test('results are used in list order whatever order the calls finish in', async () => {
    const used: [string, number][] = [];
    const delays = [30, 5, 20, 1, 10, 0, 15];
    await inOrder(
      delays.map((_, i) => i),
      4,
      (i) => new Promise<string>((resolve) => setTimeout(() => resolve(`r${i}`), delays[i])),
      (r, item) => used.push([r, item]),
    );
    assert.deepEqual(
      used,
      delays.map((_, i) => [`r${i}`, i]),
    );
  });

  test('a limit of 1 is one call after another', async () => {
    let inFlight = 0;
    let most = 0;
    await inOrder(
      [1, 2, 3, 4],
      1,
      async (i) => {
        inFlight += 1;
        most = Math.max(most, inFlight);
        await tick();
        inFlight -= 1;
        return i;
      },
      () => undefined,
    );
    assert.equal(most, 1);
  });

  test('a failure: earlier items are used, later ones not, nothing new starts, calls in flight are waited for', async () => {
    const { calls, work } = controlled();
    const used: string[] = [];
    let ended = false;
    const done = inOrder([0, 1, 2, 3, 4], 3, work, (r) => used.push(r)).finally(() => {
      ended = true;
    });
    await settle();
    callOf(calls, 0).resolve('r0');
    await settle();
    assert.deepEqual(
      calls.map((c) => c.item),
      [0, 1, 2, 3],
    );
    callOf(calls, 1).reject(new Error('one failed'));
    callOf(calls, 3).resolve('r3');
    await settle();
    // Item 2 is still in flight: not ended yet, and item 4 never starts.
    assert.equal(ended, false);
    assert.deepEqual(
      calls.map((c) => c.item),
      [0, 1, 2, 3],
    );
    callOf(calls, 2).resolve('r2');
    await assert.rejects(done, /one failed/);
    assert.deepEqual(used, ['r0']);
  });

  test('the first failure in list order is the one thrown', async () => {
    const { calls, work } = controlled();
    const done = inOrder([0, 1, 2], 3, work, () => undefined);
    await settle();
    callOf(calls, 2).reject(new Error('later'));
    callOf(calls, 1).reject(new Error('earlier'));
    callOf(calls, 0).resolve('r0');
    await assert.rejects(done, /earlier/);
  });

  test('a failure of `use` ends it after the calls in flight', async () => {
    const { calls, work } = controlled();
    let ended = false;
    const done = inOrder([0, 1, 2], 2, work, (r) => {
      if (r === 'r0') throw new Error('use failed');
    }).finally(() => {
      ended = true;
    });
    await settle();
    callOf(calls, 0).resolve('r0');
    await settle();
    assert.equal(ended, false, 'item 1 is still in flight');
    callOf(calls, 1).resolve('r1');
    await assert.rejects(done, /use failed/);
    assert.deepEqual(
      calls.map((c) => c.item),
      [0, 1],
    );
  });

  test('an abort starts nothing new; the results in flight are still used in order, then it ends', async () => {
    const { calls, work } = controlled();
    const stop = new AbortController();
    const used: string[] = [];
    const done = inOrder([0, 1, 2, 3, 4], 2, work, (r) => used.push(r), stop.signal);
    await settle();
    stop.abort();
    callOf(calls, 1).resolve('r1');
    callOf(calls, 0).resolve('r0');
    await done;
    assert.deepEqual(used, ['r0', 'r1']);
    assert.deepEqual(
      calls.map((c) => c.item),
      [0, 1],
    );
  });

  test('a signal aborted before the start starts nothing', async () => {
    const stop = new AbortController();
    stop.abort();
    let calls = 0;
    await inOrder(
      [1, 2],
      2,
      () => {
        calls += 1;
        return Promise.resolve(1);
      },
      () => undefined,
      stop.signal,
    );
    assert.equal(calls, 0);
  });
});
