import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RateLimiter } from './rate-limiter.js';

test('a full bucket lets a burst through, then asks for the time the rate needs', async () => {
  let now = 0;
  const limiter = new RateLimiter(100, { burst: 100, now: () => now });
  assert.equal(limiter.delayFor(100), 0);
  await limiter.take(60);
  assert.equal(limiter.delayFor(41), 10, '40 left: one more unit takes 10 ms at 100 per second');
  now = 5_000;
  assert.equal(limiter.delayFor(100), 0);
  await limiter.take(100);
  assert.equal(limiter.delayFor(1), 10, 'the bucket never held more than the burst');
});

test('take consumes tokens and waits for the refill', async () => {
  let now = 0;
  const limiter = new RateLimiter(1000, { burst: 10, now: () => now });
  await limiter.take(10);
  assert.equal(limiter.delayFor(10), 10);
  now = 5;
  assert.equal(limiter.delayFor(10), 5);
  now = 10;
  await limiter.take(10);
  assert.equal(limiter.delayFor(1), 1);
});

test('an aborted take returns (the clock here never advances) and consumes nothing', async () => {
  const limiter = new RateLimiter(1, { burst: 2, now: () => 0 });
  await limiter.take(1);
  const controller = new AbortController();
  const waiting = limiter.take(2, controller.signal);
  controller.abort();
  await waiting;
  assert.equal(limiter.delayFor(1), 0, 'the token left before the aborted take is still there');
  assert.equal(limiter.delayFor(2), 1000);
});

test('a request larger than the burst goes once the bucket is full, and its debt delays the next', async () => {
  let now = 0;
  const limiter = new RateLimiter(10, { burst: 10, now: () => now });
  assert.equal(limiter.delayFor(25), 0, 'a full bucket is enough for any request');
  await limiter.take(25);
  assert.equal(limiter.delayFor(1), 1600, '15 units of debt, then one more, at 10 per second');
  now = 1600;
  assert.equal(limiter.delayFor(1), 0);
});

test('rates must be positive; Infinity never waits', async () => {
  assert.throws(() => new RateLimiter(0), RangeError);
  assert.throws(() => new RateLimiter(-5), RangeError);
  const free = new RateLimiter(Infinity);
  assert.equal(free.delayFor(1e9), 0);
  await free.take(1e9);
});
