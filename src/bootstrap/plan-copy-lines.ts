// What `bootstrap --plan`'s display shows of the plan's figures (plan-copy-figures.ts): the bar's figures after
// the rate, the same as numbers in each `plan copy progress` line, one copy's fields, and the final summary line.
// Pure, for the tests.
import type { CopyState, PlanCopyFigures, TaskFigures } from './plan-copy-figures.js';

/**
 * The bar's figures after the rate: tables copied of the plan's, what went wrong when anything did, and segments
 * (once a copy has opened: "0/0" says nothing). In that order: a narrow terminal cuts the line's end.
 */
export function barExtra(figures: PlanCopyFigures): Record<string, string | number> {
  const extra: Record<string, string | number> = { tables: `${figures.copied}/${figures.tables} copied` };
  for (const state of ['failed', 'stopped', 'skipped'] as const) {
    if (figures.byState[state] > 0) extra[state] = figures.byState[state];
  }
  if (figures.segments > 0) extra.segments = `${figures.segmentsDone}/${figures.segments}`;
  return extra;
}

/** The same figures as numbers for the log line's `progress` field (the same keys on every line). */
export function lineExtra(figures: PlanCopyFigures): Record<string, number> {
  return {
    tables: figures.tables,
    copied: figures.copied,
    copying: figures.byState.copying,
    waiting: figures.byState.waiting,
    failed: figures.byState.failed,
    stopped: figures.byState.stopped,
    skipped: figures.byState.skipped,
    segmentsDone: figures.segmentsDone,
    segments: figures.segments,
  };
}

/** One copy in a log line: its figures without the bookkeeping. */
export function taskFields(t: TaskFigures): Record<string, string | number | undefined> {
  return {
    task: t.task,
    table: t.table,
    state: t.state,
    fleetItems: t.fleetItems,
    estimatedItems: t.estimatedItems,
    // A copied task's last segments may have been another worker's, after this one's last look.
    segmentsDone: t.state === 'copied' ? t.segments : t.segmentsDone,
    segments: t.segments,
  };
}

/** At most this many tasks in the summary line: each copy's own `copy done` line has its figures anyway. */
export const SUMMARY_TASKS = 50;

const SUMMARY_ORDER: readonly CopyState[] = [
  'failed',
  'stopped',
  'waiting',
  'copying',
  'skipped',
  'copied',
  'already-copied',
];

/** The final line's fields: the totals, and per task its state and figures (what went wrong first). */
export function summaryFields(
  figures: PlanCopyFigures,
  tasks: readonly TaskFigures[],
  durationMs: number,
): Record<string, unknown> {
  const { byState } = figures;
  const listed = [...tasks]
    .sort((a, b) => SUMMARY_ORDER.indexOf(a.state) - SUMMARY_ORDER.indexOf(b.state))
    .slice(0, SUMMARY_TASKS);
  return {
    tables: figures.tables,
    copied: byState.copied,
    alreadyCopied: byState['already-copied'],
    failed: byState.failed,
    stopped: byState.stopped,
    skipped: byState.skipped,
    fleetItems: figures.fleetItems,
    items: figures.items,
    segmentsDone: figures.segmentsDone,
    segments: figures.segments,
    durationMs: Math.round(durationMs),
    itemsPerSec: durationMs > 0 ? Math.round((figures.items * 1000) / durationMs) : 0,
    tasks: listed.map((t) => ({ ...taskFields(t), items: t.items })),
    ...(tasks.length > listed.length ? { tasksLeftOut: tasks.length - listed.length } : {}),
  };
}

/** The final line's message, as a single copy's summary says it. */
export function summaryMessage(figures: PlanCopyFigures): string {
  if (figures.byState.failed > 0) return 'plan copy ended with failed copies';
  if (figures.copied < figures.tables) return 'plan copy stopped; a restart resumes it';
  return 'plan copy done';
}
