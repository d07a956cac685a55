// The figures of `bootstrap --plan`'s one progress display, summed over the plan's copies: each task's state
// (from what its copy reported and what the plan runner says of the task), then the plan's items, estimate,
// segments and tables by state. Pure, for the tests; plan-copy-lines.ts makes the bar's and the lines' fields of
// them, plan-copy-progress.ts feeds them and draws the bar or logs the lines.
import type { PlanTaskState } from '../app/plan-runner.js';

/**
 * waiting: the task has not opened its copy yet (startup checks, stream positions); copying; copied (by this run,
 * or already-copied by an earlier one: nothing was left to do); stopped (a stop signal; a restart resumes it);
 * failed (the task failed, during its copy or around it); skipped (never started: a glob's table without a stream).
 */
export type CopyState =
  'waiting' | 'copying' | 'copied' | 'already-copied' | 'stopped' | 'failed' | 'skipped';

export const COPY_STATES: readonly CopyState[] = [
  'waiting',
  'copying',
  'copied',
  'already-copied',
  'stopped',
  'failed',
  'skipped',
];

/** What one task's copy reported so far (CopyProgress through its sink). */
export interface CopyRecord {
  readonly skipped: boolean;
  /** Known once the copy opened its task item (fixed at the copy's first start); undefined before. */
  readonly estimatedItems: number | undefined;
  readonly segments: number | undefined;
  /** Items copied by the fleet (saved pages, plus this worker's written ones not saved yet). */
  readonly fleetItems: number;
  /** Items this worker copied in this run. */
  readonly items: number;
  readonly segmentsDone: number;
  /** The copy ended, whatever its outcome (the task's state says which). */
  readonly finished: boolean;
}

/**
 * A task's state. `runner`: the plan runner's state of the task (undefined: not started yet); `stoppedAtEnd`:
 * the process was stopping when the task was seen ended. A task of `bootstrap --plan` ends on its own only once
 * its copy is done and marked done, so an end without a stop is a copy done, even when this worker's figures miss
 * another worker's last pages.
 */
export function copyState(
  record: CopyRecord,
  runner: PlanTaskState | undefined,
  stoppedAtEnd: boolean,
): CopyState {
  if (record.skipped) return 'skipped';
  if (runner === 'failed') return 'failed';
  const opened = record.segments !== undefined;
  if (runner === 'ended') {
    if (stoppedAtEnd) return 'stopped';
    return opened ? 'copied' : 'already-copied';
  }
  if (!opened) return 'waiting';
  // Every segment copied: the task checks the recorded positions before it ends; its items are all there.
  if (record.finished && record.segmentsDone >= (record.segments ?? 0)) return 'copied';
  return 'copying';
}

export interface TaskFigures extends CopyRecord {
  readonly task: string;
  /** The source table, for the people reading the lines (the task name is a hash by default). */
  readonly table: string;
  readonly state: CopyState;
}

export interface PlanCopyFigures {
  /** The bar's figure: items copied by the fleet over every copy. */
  readonly fleetItems: number;
  /** Items this worker copied in this run, over every copy. */
  readonly items: number;
  /** The bar's total; undefined while a copy's estimate is unknown (see aggregateCopies). */
  readonly totalItems: number | undefined;
  readonly segmentsDone: number;
  readonly segments: number;
  /** The copies in the plan: every task but the skipped ones. */
  readonly tables: number;
  /** Copied by this run or an earlier one. */
  readonly copied: number;
  readonly byState: Readonly<Record<CopyState, number>>;
  /** The copies still copying, the most items left first, at most `shown` of them. */
  readonly copying: readonly TaskFigures[];
}

/**
 * Sums the plan's copies. The total is each copy's estimate (DescribeTable's ItemCount, or what it copied if
 * more), replaced by the real count once the copy is done. A failed copy's unfinished part (items and segments)
 * is dropped from the totals and the copy is counted under `failed`, so the bar still reaches its end and its ETA
 * is that of the copies left; what it copied stays counted, as it is in the destination. A skipped task was never
 * one of the plan's copies: it is counted apart and in no total. A stopped copy keeps its total: a restart
 * resumes it. While a copy has not opened yet its estimate is unknown and so is the total: a percentage that
 * jumps back when a large table's estimate comes in would mislead more than none for those seconds. A copy done
 * by an earlier run adds no items (this run does not know them) but counts as copied.
 */
export function aggregateCopies(tasks: readonly TaskFigures[], shown = 10): PlanCopyFigures {
  const byState = Object.fromEntries(COPY_STATES.map((s) => [s, 0])) as Record<CopyState, number>;
  let fleetItems = 0;
  let items = 0;
  let totalItems: number | undefined = 0;
  let segmentsDone = 0;
  let segments = 0;
  for (const t of tasks) {
    byState[t.state] += 1;
    if (t.state === 'skipped' || t.state === 'already-copied') continue;
    fleetItems += t.fleetItems;
    items += t.items;
    const own = t.segments ?? 0;
    if (t.state === 'waiting') {
      totalItems = undefined;
    } else if (t.state === 'copied') {
      if (totalItems !== undefined) totalItems += t.fleetItems;
      segmentsDone += own;
      segments += own;
    } else if (t.state === 'failed') {
      if (totalItems !== undefined) totalItems += t.fleetItems;
      segmentsDone += t.segmentsDone;
      segments += t.segmentsDone;
    } else {
      if (totalItems !== undefined) totalItems += Math.max(t.estimatedItems ?? 0, t.fleetItems);
      segmentsDone += t.segmentsDone;
      segments += own;
    }
  }
  const left = (t: TaskFigures): number => Math.max(0, (t.estimatedItems ?? 0) - t.fleetItems);
  const copying = tasks
    .filter((t) => t.state === 'copying')
    .sort((a, b) => left(b) - left(a) || a.task.localeCompare(b.task))
    .slice(0, shown);
  return {
    fleetItems,
    items,
    totalItems,
    segmentsDone,
    segments,
    tables: tasks.length - byState.skipped,
    copied: byState.copied + byState['already-copied'],
    byState,
    copying,
  };
}
