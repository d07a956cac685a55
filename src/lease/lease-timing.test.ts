import assert from 'node:assert/strict';
import { test } from 'node:test';
import { leaseTiming } from './lease-timing.js';
import { MAX_SETTLES } from './start-settle.js';

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
    // A lone worker's start waits one settle: short beside everything else that follows the failover time.
    assert.ok(t.startSettleMs > 0 && t.startSettleMs < t.renewIntervalMs / 4, label);
    // A dealt lease waits for its worker's next look, or the end of its start settle, but not for a failover.
    assert.ok(t.dealtWaitMs > t.takeIntervalMs && t.dealtWaitMs > MAX_SETTLES * t.startSettleMs, label);
    assert.ok(t.dealtWaitMs < failoverMs / 2, label);
    assert.ok(t.safetyMs > 0 && t.writeRequestTimeoutMs > 0, label);
  }
});

test('the default failover time of 10 s: renew every 1.7 s, look every 2 s (5 s settled), 0.4 s start settle, 2.5 s for a dealt lease, 1 s margin, 3 s write deadline', () => {
  assert.deepEqual(leaseTiming(10_000), {
    failoverMs: 10_000,
    safetyMs: 1_000,
    renewIntervalMs: 1_667,
    takeIntervalMs: 2_000,
    settledLookIntervalMs: 5_000,
    startSettleMs: 400,
    dealtWaitMs: 2_500,
    writeRequestTimeoutMs: 3_000,
  });
});
