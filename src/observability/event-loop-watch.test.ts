import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { EventLoopWatch } from './event-loop-watch.js';

function blockFor(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // busy: the point is to hold the event loop
  }
}

const tick = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('EventLoopWatch', () => {
  test('reports 0 before it measured anything', () => {
    assert.equal(new EventLoopWatch().maxDelayMs(), 0);
  });

  test('a block shows for the window, then is forgotten', async () => {
    const watch = new EventLoopWatch(1_500);
    watch.start();
    try {
      await tick(50);
      blockFor(300);
      await tick(50);
      // At least the block, less the histogram's 20 ms resolution.
      assert.ok(watch.maxDelayMs() >= 250, String(watch.maxDelayMs()));
      // Samples are taken each second; the block's sample leaves the 1.5 s window within about 2.5 s.
      const deadline = performance.now() + 10_000;
      while (watch.maxDelayMs() >= 250 && performance.now() < deadline) await tick(100);
      assert.ok(watch.maxDelayMs() < 250, String(watch.maxDelayMs()));
    } finally {
      watch.stop();
    }
  });
});
