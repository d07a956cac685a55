import assert from 'node:assert/strict';
import { test } from 'node:test';
import { StoppedError } from '../errors/replicator-error.js';
import { RequestDeadlines } from './request-deadlines.js';

/** A request that ends only when its signal aborts, with the signal's abort as its error. */
function hanging(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    signal.addEventListener('abort', () => reject(new Error('aborted by signal')), { once: true });
  });
}

test('a request that answers in time gives its answer and leaves nothing in flight', async () => {
  const deadlines = new RequestDeadlines(new AbortController().signal);
  let seen: AbortSignal | undefined;
  const answer = await deadlines.run(60_000, (signal) => {
    seen = signal;
    return Promise.resolve('written');
  });
  assert.equal(answer, 'written');
  assert.equal(seen?.aborted, false);
  assert.equal(deadlines.inFlight, 0);
  deadlines.close();
});

test('a request past its deadline is aborted and fails as a retriable timeout', async () => {
  const deadlines = new RequestDeadlines(new AbortController().signal);
  let seen: AbortSignal | undefined;
  await assert.rejects(
    deadlines.run(5, (signal) => {
      seen = signal;
      return hanging(signal);
    }),
    (err: unknown) => (err as { code?: string }).code === 'ETIMEDOUT' && !(err instanceof StoppedError),
  );
  assert.equal(seen?.aborted, true);
  assert.equal(deadlines.inFlight, 0);
});

test('aborting the flush aborts every request in flight, and they fail as stopped', async () => {
  const flush = new AbortController();
  const deadlines = new RequestDeadlines(flush.signal);
  const signals: AbortSignal[] = [];
  const requests = [1, 2, 3].map(() =>
    deadlines.run(60_000, (signal) => {
      signals.push(signal);
      return hanging(signal);
    }),
  );
  assert.equal(deadlines.inFlight, 3);
  flush.abort();
  for (const request of requests) await assert.rejects(request, StoppedError);
  assert.deepEqual(
    signals.map((s) => s.aborted),
    [true, true, true],
  );
  await assert.rejects(
    deadlines.run(60_000, () => Promise.resolve('late')),
    StoppedError,
  );
});

test('a request that fails on its own keeps its error, and other requests go on', async () => {
  const deadlines = new RequestDeadlines(new AbortController().signal);
  const refused = new Error('ValidationException');
  let other: AbortSignal | undefined;
  const slow = deadlines.run(60_000, async (signal) => {
    other = signal;
    await new Promise((resolve) => setTimeout(resolve, 10));
    return 'ok';
  });
  await assert.rejects(
    deadlines.run(60_000, () => Promise.reject(refused)),
    (err: unknown) => err === refused,
  );
  assert.equal(await slow, 'ok');
  assert.equal(other?.aborted, false);
});

test('after close the flush signal no longer reaches requests', async () => {
  const flush = new AbortController();
  const deadlines = new RequestDeadlines(flush.signal);
  let seen: AbortSignal | undefined;
  const running = deadlines.run(60_000, async (signal) => {
    seen = signal;
    await new Promise((resolve) => setTimeout(resolve, 10));
    return 'done';
  });
  deadlines.close();
  flush.abort();
  assert.equal(seen?.aborted, false, 'the listener on the flush signal is gone');
  assert.equal(await running, 'done');
});
