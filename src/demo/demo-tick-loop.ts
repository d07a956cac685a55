// The demo's line a second during the live phase: source writes and records replicated per second since the
// previous line, how far the destination is behind, and the heartbeat's lag.
import type { ProgressTracker } from '../observability/progress-tracker.js';
import { sleep } from '../util/sleep.js';
import type { DemoDisplay } from './demo-display.js';
import type { LagProbe } from './lag-probe.js';
import type { Workload } from './workload.js';

export async function tickLoop(
  state: { workload: Workload; probe: LagProbe; tracker: ProgressTracker; since: number },
  display: DemoDisplay,
  signal: AbortSignal,
): Promise<void> {
  const { workload, probe, tracker, since } = state;
  let before = { at: since, written: workload.writes + probe.writes, replicated: 0 };
  for (let second = 1; !signal.aborted; second++) {
    await sleep(since + second * 1000 - performance.now(), signal);
    if (signal.aborted) return;
    const now = {
      at: performance.now(),
      written: workload.writes + probe.writes,
      replicated: tracker.snapshot().recordsWritten,
    };
    const elapsedS = Math.max(now.at - before.at, 1) / 1000;
    display.tick({
      elapsedS: second,
      sourceWritesPerS: (now.written - before.written) / elapsedS,
      replicatedPerS: (now.replicated - before.replicated) / elapsedS,
      behind: Math.max(0, now.written - now.replicated),
      lagMs: probe.takeLag(),
    });
    before = now;
  }
}
