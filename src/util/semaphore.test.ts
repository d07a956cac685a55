import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { setImmediate as tick } from 'node:timers/promises';
import { StoppedError } from '../errors/replicator-error.js';
import { NestedSlots, Semaphore } from './semaphore.js';

/** Tracks whether a promise has settled, so a test can tell "still waiting" from "granted". */
function track<T>(promise: Promise<T>): { readonly settled: () => boolean; readonly promise: Promise<T> } {
  let settled = false;
  const tracked = promise.finally(() => {
    settled = true;
  });
  return { settled: () => settled, promise: tracked };
}

describe('Semaphore', () => {
  test('a capacity that is not positive is refused', () => {
    for (const capacity of [0, -1, Number.NaN]) {
      assert.throws(() => new Semaphore(capacity), RangeError, String(capacity));
    }
  });

  test('weights add up to the capacity without waiting', async () => {
    const semaphore = new Semaphore(10);
    await semaphore.acquire(4);
    await semaphore.acquire(6);
    assert.equal(semaphore.used, 10);
    assert.equal(semaphore.capacity, 10);
  });

  test('the default weight is 1', async () => {
    const semaphore = new Semaphore(3);
    await semaphore.acquire();
    assert.equal(semaphore.used, 1);
  });

  test('a weight that does not fit waits until enough is released', async () => {
    const semaphore = new Semaphore(10);
    const releaseA = await semaphore.acquire(6);
    const releaseB = await semaphore.acquire(3);
    const waiting = track(semaphore.acquire(5));
    await tick();
    assert.equal(waiting.settled(), false);
    releaseB();
    await tick();
    assert.equal(waiting.settled(), false, '6 + 5 > 10 still');
    releaseA();
    await waiting.promise;
    assert.equal(semaphore.used, 5);
  });

  test('waiters are served in FIFO order', async () => {
    const semaphore = new Semaphore(1);
    const first = await semaphore.acquire();
    const order: string[] = [];
    const waiters = ['a', 'b', 'c'].map(async (name) => {
      const release = await semaphore.acquire();
      order.push(name);
      release();
    });
    await tick();
    assert.deepEqual(order, []);
    first();
    await Promise.all(waiters);
    assert.deepEqual(order, ['a', 'b', 'c']);
    assert.equal(semaphore.used, 0);
  });

  test('a small request does not overtake a large waiter even if it would fit', async () => {
    const semaphore = new Semaphore(10);
    const holder = await semaphore.acquire(8);
    const large = track(semaphore.acquire(5));
    const small = track(semaphore.acquire(1));
    await tick();
    assert.equal(large.settled(), false);
    assert.equal(small.settled(), false, '8 + 1 fits, but the large waiter is first');
    holder();
    await Promise.all([large.promise, small.promise]);
    assert.equal(semaphore.used, 6);
  });

  test('an oversize request is let through alone when nothing is held', async () => {
    const semaphore = new Semaphore(10);
    const release = await semaphore.acquire(25);
    assert.equal(semaphore.used, 25);
    const next = track(semaphore.acquire(1));
    await tick();
    assert.equal(next.settled(), false, 'nothing else runs beside the oversize holder');
    release();
    await next.promise;
    assert.equal(semaphore.used, 1);
  });

  test('an oversize waiter goes once everything else is released', async () => {
    const semaphore = new Semaphore(10);
    const small = await semaphore.acquire(1);
    const oversize = track(semaphore.acquire(25));
    await tick();
    assert.equal(oversize.settled(), false);
    small();
    await oversize.promise;
    assert.equal(semaphore.used, 25);
  });

  test('abort while waiting rejects with StoppedError and leaks no permits', async () => {
    const semaphore = new Semaphore(1);
    const holder = await semaphore.acquire();
    const controller = new AbortController();
    const waiting = semaphore.acquire(1, controller.signal);
    controller.abort();
    await assert.rejects(waiting, StoppedError);
    assert.equal(semaphore.used, 1);
    holder();
    assert.equal(semaphore.used, 0);
    const again = await semaphore.acquire(1);
    assert.equal(semaphore.used, 1);
    again();
  });

  test('an aborted head waiter lets the waiters behind it through', async () => {
    const semaphore = new Semaphore(10);
    const holder = await semaphore.acquire(8);
    const controller = new AbortController();
    const large = semaphore.acquire(5, controller.signal);
    const small = track(semaphore.acquire(2));
    await tick();
    assert.equal(small.settled(), false);
    controller.abort();
    await assert.rejects(large, StoppedError);
    await small.promise;
    assert.equal(semaphore.used, 10);
    holder();
  });

  test('an already aborted signal rejects at once without taking permits', async () => {
    const semaphore = new Semaphore(5);
    await assert.rejects(semaphore.acquire(1, AbortSignal.abort()), StoppedError);
    assert.equal(semaphore.used, 0);
  });

  test('abort after the permit was granted changes nothing', async () => {
    const semaphore = new Semaphore(1);
    const controller = new AbortController();
    const holder = await semaphore.acquire();
    const waiting = semaphore.acquire(1, controller.signal);
    holder();
    const release = await waiting;
    controller.abort();
    assert.equal(semaphore.used, 1);
    release();
    assert.equal(semaphore.used, 0);
  });

  test('release is idempotent', async () => {
    const semaphore = new Semaphore(2);
    const a = await semaphore.acquire();
    const b = await semaphore.acquire();
    a();
    a();
    a();
    assert.equal(semaphore.used, 1);
    const c = track(semaphore.acquire(2));
    await tick();
    assert.equal(c.settled(), false, 'a second release must not free b’s permit');
    b();
    await c.promise;
    assert.equal(semaphore.used, 2);
  });

  test('run() returns the task result and releases', async () => {
    const semaphore = new Semaphore(1);
    const value = await semaphore.run(() => {
      assert.equal(semaphore.used, 1);
      return Promise.resolve(42);
    });
    assert.equal(value, 42);
    assert.equal(semaphore.used, 0);
  });

  test('run() releases when the task fails and rethrows its error', async () => {
    const semaphore = new Semaphore(1);
    await assert.rejects(
      semaphore.run(() => Promise.reject(new Error('task failed'))),
      /task failed/,
    );
    assert.equal(semaphore.used, 0);
  });

  test('run() bounds the tasks in flight', async () => {
    const semaphore = new Semaphore(2);
    let inFlight = 0;
    let maxInFlight = 0;
    const results = await Promise.all(
      [1, 2, 3, 4, 5, 6].map((n) =>
        semaphore.run(async () => {
          inFlight += 1;
          maxInFlight = Math.max(maxInFlight, inFlight);
          await tick();
          inFlight -= 1;
          return n * 10;
        }),
      ),
    );
    assert.deepEqual(results, [10, 20, 30, 40, 50, 60]);
    assert.equal(maxInFlight, 2);
    assert.equal(semaphore.used, 0);
  });

  test('run() with an aborted signal does not run the task', async () => {
    const semaphore = new Semaphore(1);
    let ran = false;
    await assert.rejects(
      semaphore.run(() => {
        ran = true;
        return Promise.resolve();
      }, AbortSignal.abort()),
      StoppedError,
    );
    assert.equal(ran, false);
  });
});

describe('NestedSlots', () => {
  test('takes the part’s permit, then the shared one; a release gives both back', async () => {
    const shared = new Semaphore(4);
    const own = new Semaphore(2);
    const slots = new NestedSlots(own, shared);
    const release = await slots.acquire();
    assert.equal(own.used, 1);
    assert.equal(shared.used, 1);
    release();
    assert.equal(own.used, 0);
    assert.equal(shared.used, 0);
  });

  test('a busy part queues at most its own limit in the shared queue: the other part is served in turn', async () => {
    const shared = new Semaphore(2);
    const hot = new NestedSlots(new Semaphore(2), shared);
    const cold = new NestedSlots(new Semaphore(2), shared);
    const held = [await hot.acquire(), await hot.acquire()];
    // The hot part wants many more; only its own limit's worth can wait for the shared semaphore.
    const hotWaiting = Array.from({ length: 5 }, () => track(hot.acquire()));
    const coldWaiting = track(cold.acquire());
    await tick();
    held[0]?.();
    await tick();
    await tick();
    assert.equal(coldWaiting.settled(), true, 'the cold part got the first freed slot');
    assert.equal(
      hotWaiting.filter((w) => w.settled()).length,
      0,
      'no hot request jumped ahead of the cold one',
    );
    held[1]?.();
    (await coldWaiting.promise)();
    for (const waiting of hotWaiting) (await waiting.promise)();
  });

  test('an abort while waiting for the shared permit gives the part’s permit back', async () => {
    const shared = new Semaphore(1);
    const own = new Semaphore(1);
    const blocker = await shared.acquire();
    const stop = new AbortController();
    const waiting = new NestedSlots(own, shared).acquire(1, stop.signal);
    await tick();
    assert.equal(own.used, 1);
    stop.abort();
    await assert.rejects(waiting, StoppedError);
    assert.equal(own.used, 0);
    blocker();
  });
});
