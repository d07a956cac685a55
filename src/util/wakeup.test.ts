import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { setImmediate as tick } from 'node:timers/promises';
import { Wakeup } from './wakeup.js';

function track(promise: Promise<void>): { readonly settled: () => boolean; readonly promise: Promise<void> } {
  let settled = false;
  const tracked = promise.then(() => {
    settled = true;
  });
  return { settled: () => settled, promise: tracked };
}

describe('Wakeup', () => {
  test('a notify before wait is kept: wait returns at once', async () => {
    const wakeup = new Wakeup();
    wakeup.notify();
    const waiting = track(wakeup.wait());
    await tick();
    assert.equal(waiting.settled(), true);
  });

  test('a kept notify is consumed by one wait only', async () => {
    const wakeup = new Wakeup();
    wakeup.notify();
    wakeup.notify();
    await wakeup.wait();
    const second = track(wakeup.wait(undefined, 10_000));
    await tick();
    assert.equal(second.settled(), false, 'two notifies before a wait are one wake-up');
    wakeup.notify();
    await second.promise;
  });

  test('a notify while waiting ends the wait', async () => {
    const wakeup = new Wakeup();
    const waiting = track(wakeup.wait());
    await tick();
    assert.equal(waiting.settled(), false);
    wakeup.notify();
    await waiting.promise;
    assert.equal(waiting.settled(), true);
  });

  test('the notify that ended a wait is not kept for the next wait', async () => {
    const wakeup = new Wakeup();
    const first = wakeup.wait();
    wakeup.notify();
    await first;
    const second = track(wakeup.wait(undefined, 10_000));
    await tick();
    assert.equal(second.settled(), false);
    wakeup.notify();
    await second.promise;
  });

  test('wait without notify, signal or timeout stays pending', async () => {
    const wakeup = new Wakeup();
    const waiting = track(wakeup.wait());
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(waiting.settled(), false);
    wakeup.notify();
    await waiting.promise;
  });

  test('wait ends when the signal aborts', async () => {
    const wakeup = new Wakeup();
    const controller = new AbortController();
    const waiting = track(wakeup.wait(controller.signal));
    await tick();
    assert.equal(waiting.settled(), false);
    controller.abort();
    await waiting.promise;
    assert.equal(waiting.settled(), true);
  });

  test('wait with an already aborted signal returns at once', async () => {
    const wakeup = new Wakeup();
    const waiting = track(wakeup.wait(AbortSignal.abort(), 10_000));
    await tick();
    assert.equal(waiting.settled(), true);
  });

  test('wait ends on its timeout', async () => {
    const wakeup = new Wakeup();
    const started = performance.now();
    const waiting = track(wakeup.wait(undefined, 30));
    await tick();
    assert.equal(waiting.settled(), false);
    await waiting.promise;
    // Timers may fire a millisecond early on some platforms; the wait clearly lasted about the timeout.
    assert.ok(performance.now() - started >= 25, 'waited for the timeout');
  });

  test('a wait ended by a notify clears its timeout and abort listener', async () => {
    const wakeup = new Wakeup();
    const controller = new AbortController();
    const waiting = wakeup.wait(controller.signal, 10_000);
    wakeup.notify();
    await waiting;
    // A later abort must not end the next wait through a stale listener.
    const next = track(wakeup.wait(undefined, 10_000));
    controller.abort();
    await tick();
    assert.equal(next.settled(), false);
    wakeup.notify();
    await next.promise;
  });

  test('after a timeout, a later notify is kept for the next wait', async () => {
    const wakeup = new Wakeup();
    await wakeup.wait(undefined, 1);
    wakeup.notify();
    const next = track(wakeup.wait());
    await tick();
    assert.equal(next.settled(), true);
  });
});
