// The demo's catch-up after the live phase: one more heartbeat after the last write, then wait until the
// destination shows it and every record read is written, or the time runs out, or DynamoDB Local or the
// replicator ended.
import type { ProgressTracker } from '../observability/progress-tracker.js';
import { sleep } from '../util/sleep.js';
import type { DemoRegions } from './demo-regions.js';
import type { LagProbe } from './lag-probe.js';
import type { Workload } from './workload.js';

export const CATCH_UP_TIMEOUT_MS = 30_000;

export async function catchUp(state: {
  workload: Workload;
  probe: LagProbe;
  tracker: ProgressTracker;
  regions: DemoRegions;
  replicatorEnded: AbortSignal;
}): Promise<
  { kind: 'caught-up'; afterMs: number } | { kind: 'timeout' | 'instances-gone' | 'replicator-ended' }
> {
  const { workload, probe, tracker, regions, replicatorEnded } = state;
  const lastWriteAt = performance.now();
  const marker = await probe.beat();
  const deadline = lastWriteAt + CATCH_UP_TIMEOUT_MS;
  while (performance.now() < deadline) {
    // A Ctrl-C from a terminal goes to the whole process group, DynamoDB Local's JVMs included.
    if (!regions.bothRunning()) return { kind: 'instances-gone' };
    if (replicatorEnded.aborted) return { kind: 'replicator-ended' };
    const s = tracker.snapshot();
    // Without the marker (its write failed), fall back on the counts: exact while no write failed.
    const arrived =
      marker === undefined ? s.recordsWritten >= workload.writes + probe.writes : probe.hasSeen(marker);
    if (arrived && s.recordsRead === s.recordsWritten)
      return { kind: 'caught-up', afterMs: performance.now() - lastWriteAt };
    await sleep(10);
  }
  return { kind: 'timeout' };
}
