import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MeteredRateLimiter } from './metered-rate-limiter.js';

test('no limit: never waits, reports no rate', async () => {
  const limiter = new MeteredRateLimiter(Infinity);
  await limiter.take(1_000_000);
  assert.deepEqual(limiter.stats(), { ratePerSec: null, waits: 0, waitedMs: 0 });
  assert.equal(limiter.maxRequest, Infinity);
});

test('counts the takes that had to wait for the bucket to refill', async () => {
  const limiter = new MeteredRateLimiter(1000);
  assert.equal(limiter.maxRequest, 1000);
  await limiter.take(1000);
  assert.equal(limiter.stats().waits, 0, 'the first second is the burst');
  await limiter.take(20);
  const stats = limiter.stats();
  assert.equal(stats.ratePerSec, 1000);
  assert.equal(stats.waits, 1);
  assert.ok(stats.waitedMs > 0);
});

test('a request as large as maxRequest fits the bucket (a larger one would wait forever)', () => {
  const limiter = new MeteredRateLimiter(50);
  assert.equal(limiter.delayFor(limiter.maxRequest), 0);
});
