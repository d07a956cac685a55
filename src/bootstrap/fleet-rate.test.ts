import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FleetRate } from './fleet-rate.js';

test('the rate is split over the workers copying, and re-split when they change', () => {
  const rate = new FleetRate(1000);
  assert.equal(rate.perWorker, 1000);
  rate.setWorkers(4);
  assert.equal(rate.perWorker, 250);
  rate.setWorkers(0);
  assert.equal(rate.workers, 1, 'at least this worker');
});

test('no limit never waits', async () => {
  const rate = new FleetRate(Infinity, { now: () => 0 });
  await rate.take(1_000_000);
  assert.equal(rate.perWorker, Infinity);
});

test('a request larger than the bucket goes out in slices instead of waiting forever', async () => {
  // A clock that jumps 10 s at every look refills the bucket at once, so only the slicing is under test: a
  // single take of 35 from a bucket of 10 would never find 35 tokens.
  let now = 0;
  const rate = new FleetRate(10, { now: () => (now += 10_000) });
  let timer: NodeJS.Timeout | undefined;
  const hung = new Promise<'hung'>((resolve) => (timer = setTimeout(() => resolve('hung'), 2_000)));
  const outcome = await Promise.race([rate.take(35).then(() => 'done' as const), hung]);
  clearTimeout(timer);
  assert.equal(outcome, 'done');
});

test('an aborted take returns', async () => {
  const rate = new FleetRate(1, { now: () => 0 });
  const stop = new AbortController();
  const waiting = rate.take(5, stop.signal);
  stop.abort();
  await waiting;
});

test('rates must be positive', () => {
  assert.throws(() => new FleetRate(0), RangeError);
  assert.throws(() => new FleetRate(-1), RangeError);
});
