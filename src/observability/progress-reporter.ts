// The periodic progress line: records read and written per second since the last line, retries, and per shard
// how far behind the newest record it is. Runs as a stoppable loop beside the worker.
import type { Logger } from 'pino';
import { sleep } from '../util/sleep.js';
import type { ProgressSnapshot, ProgressTracker } from './progress-tracker.js';

export interface ProgressLine {
  readonly readPerSec: number;
  readonly writtenPerSec: number;
  readonly recordsRead: number;
  readonly recordsWritten: number;
  readonly writeRetries: number;
  readonly shards: number;
  readonly maxBehindMs: number | undefined;
  readonly behind: Record<string, number | null>;
}

export function progressLine(
  before: ProgressSnapshot,
  after: ProgressSnapshot,
  elapsedMs: number,
): ProgressLine {
  const seconds = Math.max(elapsedMs, 1) / 1000;
  const behind: Record<string, number | null> = {};
  let maxBehindMs: number | undefined;
  for (const shard of after.shards) {
    behind[shard.shardId] = shard.behindMs ?? null;
    if (shard.behindMs !== undefined) maxBehindMs = Math.max(maxBehindMs ?? 0, shard.behindMs);
  }
  return {
    readPerSec: Math.round((after.recordsRead - before.recordsRead) / seconds),
    writtenPerSec: Math.round((after.recordsWritten - before.recordsWritten) / seconds),
    recordsRead: after.recordsRead,
    recordsWritten: after.recordsWritten,
    writeRetries: after.writeRetries,
    shards: after.shards.length,
    maxBehindMs,
    behind,
  };
}

export async function reportProgress(
  tracker: ProgressTracker,
  logger: Logger,
  intervalMs: number,
  signal: AbortSignal,
): Promise<void> {
  if (intervalMs <= 0) return;
  let before = tracker.snapshot();
  let at = performance.now();
  while (!signal.aborted) {
    await sleep(intervalMs, signal);
    if (signal.aborted) return;
    const after = tracker.snapshot();
    const now = performance.now();
    logger.info({ progress: progressLine(before, after, now - at) }, 'progress');
    before = after;
    at = now;
  }
}
