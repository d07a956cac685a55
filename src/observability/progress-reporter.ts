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
  /** Changes stored in the dead-letter table since the start; shown only when there are any. */
  readonly deadLetters?: number;
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
    ...(after.deadLettered === undefined || after.deadLettered === 0
      ? {}
      : { deadLetters: after.deadLettered }),
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

/** A plan's progress line: the figures summed over its tasks, and the tasks furthest behind. */
export interface PlanProgressLine extends Omit<ProgressLine, 'behind'> {
  readonly tasks: Readonly<Record<string, number>>;
  /** The (at most 10) tasks furthest behind, by how far their furthest shard is. */
  readonly behind: Record<string, number>;
}

const MOST_BEHIND_SHOWN = 10;

export function planProgressLine(
  before: ReadonlyMap<string, ProgressSnapshot>,
  after: ReadonlyMap<string, ProgressSnapshot>,
  states: ReadonlyMap<string, string>,
  elapsedMs: number,
): PlanProgressLine {
  const sum = (snapshots: ReadonlyMap<string, ProgressSnapshot>): ProgressSnapshot => {
    const all = [...snapshots.values()];
    const total = (pick: (s: ProgressSnapshot) => number): number => all.reduce((n, s) => n + pick(s), 0);
    return {
      recordsRead: total((s) => s.recordsRead),
      recordsWritten: total((s) => s.recordsWritten),
      itemsWritten: total((s) => s.itemsWritten),
      writeRetries: total((s) => s.writeRetries),
      readRetries: total((s) => s.readRetries),
      deadLettered: total((s) => s.deadLettered ?? 0),
      shards: all.flatMap((s) => s.shards),
    };
  };
  const line = progressLine(sum(before), sum(after), elapsedMs);
  const furthest: [string, number][] = [];
  for (const [task, snapshot] of after) {
    const worst = Math.max(0, ...snapshot.shards.map((shard) => shard.behindMs ?? 0));
    if (worst > 0) furthest.push([task, worst]);
  }
  furthest.sort((a, b) => b[1] - a[1]);
  const tasks: Record<string, number> = {};
  for (const state of states.values()) tasks[state] = (tasks[state] ?? 0) + 1;
  return { ...line, tasks, behind: Object.fromEntries(furthest.slice(0, MOST_BEHIND_SHOWN)) };
}

/** The plan's progress line every interval, from the trackers of the tasks running then. */
export async function reportPlanProgress(
  source: {
    readonly trackers: () => ReadonlyMap<string, ProgressTracker>;
    readonly states: () => ReadonlyMap<string, string>;
  },
  logger: Logger,
  intervalMs: number,
  signal: AbortSignal,
): Promise<void> {
  if (intervalMs <= 0) return;
  const snapshots = (): Map<string, ProgressSnapshot> =>
    new Map([...source.trackers()].map(([task, tracker]) => [task, tracker.snapshot()]));
  let before = snapshots();
  let at = performance.now();
  while (!signal.aborted) {
    await sleep(intervalMs, signal);
    if (signal.aborted) return;
    const after = snapshots();
    const now = performance.now();
    logger.info({ progress: planProgressLine(before, after, source.states(), now - at) }, 'progress');
    before = after;
    at = now;
  }
}
