import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { backoffDelay, DEFAULT_BACKOFF, type BackoffPolicy } from './backoff.js';

const POLICY: BackoffPolicy = { baseMs: 50, maxMs: 5_000 };

/** The ceiling the header promises: min(cap, base * 2^attempt), computed independently of the code. */
function ceilingOf(attempt: number, policy: BackoffPolicy): number {
  let ceiling = policy.baseMs;
  for (let i = 0; i < attempt && ceiling < policy.maxMs; i += 1) ceiling *= 2;
  return Math.min(ceiling, policy.maxMs);
}

const ATTEMPTS = Array.from({ length: 41 }, (_, i) => i);

describe('backoffDelay', () => {
  test('the default policy is 50 ms doubling up to 5 s', () => {
    assert.deepEqual(DEFAULT_BACKOFF, { baseMs: 50, maxMs: 5_000 });
  });

  test('random 0 gives 0 for every attempt 0..40', () => {
    for (const attempt of ATTEMPTS)
      assert.equal(
        backoffDelay(attempt, POLICY, () => 0),
        0,
        `attempt ${attempt}`,
      );
  });

  test('random 0.5 gives half the ceiling for every attempt 0..40', () => {
    for (const attempt of ATTEMPTS) {
      const expected = Math.floor(ceilingOf(attempt, POLICY) / 2);
      assert.equal(
        backoffDelay(attempt, POLICY, () => 0.5),
        expected,
        `attempt ${attempt}`,
      );
    }
  });

  test('random 0.999 stays below the ceiling and within 1% of it for every attempt 0..40', () => {
    for (const attempt of ATTEMPTS) {
      const ceiling = ceilingOf(attempt, POLICY);
      const delay = backoffDelay(attempt, POLICY, () => 0.999);
      assert.ok(delay < ceiling, `attempt ${attempt}: ${delay} < ${ceiling}`);
      assert.ok(delay >= Math.floor(ceiling * 0.99), `attempt ${attempt}: ${delay} near ${ceiling}`);
      assert.ok(Number.isInteger(delay), `attempt ${attempt}: whole milliseconds`);
    }
  });

  test('the first attempts double: 50, 100, 200, 400, 800, 1600, 3200', () => {
    const halves = [0, 1, 2, 3, 4, 5, 6].map((attempt) => backoffDelay(attempt, POLICY, () => 0.5));
    assert.deepEqual(halves, [25, 50, 100, 200, 400, 800, 1600]);
  });

  test('the cap is respected from attempt 7 on (50 * 2^7 > 5000)', () => {
    for (const attempt of ATTEMPTS.filter((a) => a >= 7)) {
      assert.equal(
        backoffDelay(attempt, POLICY, () => 0.5),
        2_500,
        `attempt ${attempt}`,
      );
      assert.ok(backoffDelay(attempt, POLICY, () => 0.999) <= POLICY.maxMs);
    }
  });

  test('a small cap wins over the base', () => {
    const policy = { baseMs: 100, maxMs: 30 };
    assert.equal(
      backoffDelay(0, policy, () => 0.5),
      15,
    );
    assert.equal(
      backoffDelay(10, policy, () => 0.5),
      15,
    );
  });

  test('a negative attempt counts as attempt 0', () => {
    for (const attempt of [-1, -5, -1000]) {
      assert.equal(
        backoffDelay(attempt, POLICY, () => 0.5),
        25,
        `attempt ${attempt}`,
      );
      assert.equal(
        backoffDelay(attempt, POLICY, () => 0.999),
        49,
        `attempt ${attempt}`,
      );
    }
  });

  test('a huge attempt with a huge cap stays finite', () => {
    const delay = backoffDelay(10_000, { baseMs: 1, maxMs: Number.MAX_SAFE_INTEGER }, () => 0.5);
    assert.ok(Number.isFinite(delay) && delay > 0);
  });

  test('the ceiling never decreases from one attempt to the next', () => {
    let previous = -1;
    for (const attempt of ATTEMPTS) {
      const delay = backoffDelay(attempt, POLICY, () => 0.999);
      assert.ok(delay >= previous, `attempt ${attempt}`);
      previous = delay;
    }
  });

  test('with Math.random the delay is within [0, ceiling)', () => {
    for (let i = 0; i < 200; i += 1) {
      const attempt = i % 12;
      const delay = backoffDelay(attempt, POLICY);
      assert.ok(delay >= 0 && delay < ceilingOf(attempt, POLICY), `attempt ${attempt}: ${delay}`);
    }
  });
});
