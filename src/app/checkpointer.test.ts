import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Checkpointer } from './checkpointer.js';

/** A checkpoint store whose writes the test finishes by hand, a clock the test moves, and sleeps it ends. */
function harness(minIntervalMs: number) {
  let clock = 0;
  const started: string[] = [];
  const finishers: { resolve: () => void; reject: (e: unknown) => void }[] = [];
  const sleeps: { ms: number; wake: () => void }[] = [];
  const moved: string[] = [];
  let failures = 0;
  const checkpointer = new Checkpointer({
    minIntervalMs,
    now: () => clock,
    write: (position) =>
      new Promise<void>((resolve, reject) => {
        started.push(position);
        finishers.push({ resolve, reject });
      }),
    sleep: (ms, signal) =>
      new Promise<void>((resolve) => {
        sleeps.push({ ms, wake: resolve });
        signal.addEventListener('abort', () => resolve(), { once: true });
      }),
    onMoved: (position) => moved.push(position),
    onFailure: () => (failures += 1),
  });
  const settle = async (): Promise<void> => {
    for (let i = 0; i < 10; i++) await Promise.resolve();
  };
  return {
    checkpointer,
    started,
    moved,
    sleeps,
    failures: () => failures,
    advance: (ms: number) => (clock += ms),
    settle,
    /** Finishes the oldest unfinished write. */
    async complete(error?: unknown): Promise<void> {
      const next = finishers.shift();
      assert.ok(next, 'a write is in flight');
      if (error === undefined) next.resolve();
      else next.reject(error);
      await settle();
    },
  };
}

test('the first offer is written at once; offers made during a write collapse into the newest', async () => {
  const h = harness(0);
  h.checkpointer.offer('10');
  await h.settle();
  assert.deepEqual(h.started, ['10']);
  h.checkpointer.offer('20');
  h.checkpointer.offer('30');
  await h.settle();
  assert.deepEqual(h.started, ['10'], 'one write at a time');
  await h.complete();
  assert.deepEqual(h.started, ['10', '30'], '20 was overtaken by 30 and never written');
  await h.complete();
  assert.deepEqual(h.moved, ['10', '30']);
  assert.equal(h.checkpointer.written, '30');
});

test('writes are spaced by the interval, measured from the start of the previous write', async () => {
  const h = harness(1_000);
  h.checkpointer.offer('10');
  await h.settle();
  h.advance(300);
  await h.complete();
  h.checkpointer.offer('20');
  await h.settle();
  assert.deepEqual(h.started, ['10'], 'waits out the interval');
  assert.equal(h.sleeps.at(-1)?.ms, 700);
  h.advance(700);
  h.sleeps.at(-1)?.wake();
  await h.settle();
  assert.deepEqual(h.started, ['10', '20']);
});

test('a write slower than the interval is followed at once by the newest offer', async () => {
  const h = harness(1_000);
  h.checkpointer.offer('10');
  await h.settle();
  h.checkpointer.offer('20');
  h.advance(1_500);
  await h.complete();
  assert.deepEqual(h.started, ['10', '20']);
  assert.equal(h.sleeps.length, 0, 'no wait: the interval has passed');
});

test('finish(true) writes the pending position without waiting out the interval', async () => {
  const h = harness(60_000);
  h.checkpointer.offer('10');
  await h.settle();
  await h.complete();
  h.checkpointer.offer('20');
  await h.settle();
  assert.deepEqual(h.started, ['10']);
  const finished = h.checkpointer.finish(true);
  await h.settle();
  assert.deepEqual(h.started, ['10', '20']);
  let done = false;
  void finished.then(() => (done = true));
  await h.settle();
  assert.equal(done, false, 'finish waits for the write in flight');
  await h.complete();
  await finished;
  assert.equal(h.checkpointer.written, '20');
  h.checkpointer.offer('30');
  await h.settle();
  assert.deepEqual(h.started, ['10', '20'], 'no offers after finish');
});

test('finish(false) drops the pending position and waits only for the write in flight', async () => {
  const h = harness(60_000);
  h.checkpointer.offer('10');
  await h.settle();
  h.checkpointer.offer('20');
  const finished = h.checkpointer.finish(false);
  await h.complete();
  await finished;
  assert.deepEqual(h.started, ['10']);
  assert.equal(h.checkpointer.written, '10');
});

test('finish with nothing offered resolves at once', async () => {
  const h = harness(1_000);
  await h.checkpointer.finish(true);
  assert.deepEqual(h.started, []);
});

test('a failed write is kept for throwIfFailed, stops further writes and is reported once', async () => {
  const h = harness(0);
  h.checkpointer.offer('10');
  await h.settle();
  h.checkpointer.offer('20');
  const lost = new Error('lease lost');
  await h.complete(lost);
  assert.equal(h.failures(), 1);
  assert.throws(() => h.checkpointer.throwIfFailed(), /lease lost/);
  assert.deepEqual(h.started, ['10'], 'the pending 20 is not written after a failure');
  h.checkpointer.offer('30');
  await h.settle();
  assert.deepEqual(h.started, ['10']);
  assert.deepEqual(h.moved, []);
  await h.checkpointer.finish(true);
  assert.equal(h.checkpointer.written, undefined);
});

test('a write that throws synchronously is a failure, not a hang', async () => {
  const checkpointer = new Checkpointer({
    minIntervalMs: 0,
    write: () => {
      throw new Error('sync failure');
    },
  });
  checkpointer.offer('10');
  await checkpointer.finish(true);
  assert.throws(() => checkpointer.throwIfFailed(), /sync failure/);
  checkpointer.offer('20');
  await checkpointer.finish(true);
});
