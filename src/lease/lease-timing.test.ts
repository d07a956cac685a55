import assert from 'node:assert/strict';
import { test } from 'node:test';
import { leaseTiming } from './lease-timing.js';

test('every failover time leaves a write several renewal rounds of slack before the lease could be taken', () => {
  for (let failoverMs = 1_000; failoverMs <= 120_000; failoverMs += 500) {
    const t = leaseTiming(failoverMs);
    const label = `failover ${failoverMs} ms: ${JSON.stringify(t)}`;
    assert.equal(t.failoverMs, failoverMs, label);
    // The latest a write may start after the last renewal was sent and still end before the lease runs out.
    const writeWindowMs = failoverMs - t.safetyMs - t.writeRequestTimeoutMs;
    assert.ok(writeWindowMs >= 3 * t.renewIntervalMs, label);
    assert.ok(t.takeIntervalMs < failoverMs && t.renewIntervalMs < t.takeIntervalMs, label);
    assert.ok(t.takeIntervalMs < t.settledLookIntervalMs && t.settledLookIntervalMs < failoverMs, label);
    assert.ok(t.safetyMs > 0 && t.writeRequestTimeoutMs > 0, label);
  }
});

test('the default failover time of 10 s: renew every 1.7 s, look every 2 s (5 s settled), 1 s margin, 3 s write deadline', () => {
  assert.deepEqual(leaseTiming(10_000), {
    failoverMs: 10_000,
    safetyMs: 1_000,
    renewIntervalMs: 1_667,
    takeIntervalMs: 2_000,
    settledLookIntervalMs: 5_000,
    writeRequestTimeoutMs: 3_000,
  });
});
