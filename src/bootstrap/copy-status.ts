// Pure: a bootstrap copy's progress as the lease table shows it (the task item and the segment items), for
// `status` and `status --plan`: any reader sees the whole fleet's copy, not only one worker's bar. The lease
// table keeps totals, not history, so the rate is the average since the copy first started.
import { formatDuration } from '../observability/progress-bar.js';
import type { BootstrapItems, BootstrapState, CopySegment } from './bootstrap-items.js';

export interface CopyStatus {
  readonly state: BootstrapState;
  readonly segmentsDone: number;
  readonly segments: number;
  /** Items of the pages saved so far, by every worker in every run. */
  readonly itemsCopied: number;
  /** The source's ItemCount at the first start: DynamoDB updates it about every 6 hours, so it is an estimate. */
  readonly estimatedItems: number;
  /** Average items/s from the first start to now (or to the end); undefined before any time has passed. */
  readonly itemsPerSec: number | undefined;
  /** While copying at a known rate and short of the estimate. */
  readonly etaMs: number | undefined;
  readonly elapsedMs: number;
  /** Spool mode only (src/spool/): the phase, and the drain as its segments show it. */
  readonly spool?: SpoolStatus | undefined;
}

export interface SpoolStatus {
  readonly phase: 'copying' | 'draining' | 'replicating';
  /** The drain pass under way (or the last one run). */
  readonly pass: 1 | 2 | undefined;
  readonly segmentsDone: number;
  readonly segments: number;
  /** Spool items the pass wrote to the destination, and scanned, so far over the fleet. */
  readonly drained: number;
  readonly scanned: number;
  /** Keys in the spool as pass 1 found them (known once pass 1 scanned it all). */
  readonly spoolKeys: number | undefined;
  /**
   * Changes the consumers spooled so far, as the workers counted them into the task item every few seconds
   * (spool-count.ts): spool writes, so at least the keys held; 0 before the first count arrives.
   */
  readonly spooledChanges: number;
}

/** Undefined when the task has no copy (never bootstrapped, or its items are not written yet). */
export function copyStatus(items: BootstrapItems, now: number): CopyStatus | undefined {
  const task = items.task;
  if (task === undefined) return undefined;
  const itemsCopied = items.segments.reduce((sum, s) => sum + s.itemsCopied, 0);
  const segmentsDone = items.segments.filter((s) => s.done).length;
  const elapsedMs = Math.max(0, (task.doneAt ?? now) - task.startedAt);
  const itemsPerSec = elapsedMs > 0 ? (itemsCopied * 1000) / elapsedMs : undefined;
  const left = task.estimatedItems - itemsCopied;
  const etaMs =
    task.state === 'done' || itemsPerSec === undefined || itemsPerSec <= 0 || left <= 0
      ? undefined
      : Math.round((left / itemsPerSec) * 1000);
  return {
    state: task.state,
    segmentsDone,
    segments: task.segments,
    itemsCopied,
    estimatedItems: task.estimatedItems,
    itemsPerSec,
    etaMs,
    elapsedMs,
    ...(task.copyMode === 'spool' ? { spool: spoolStatus(items) } : {}),
  };
}

function spoolStatus(items: BootstrapItems): SpoolStatus {
  const state = items.task?.state;
  const phase =
    state === 'done' ? 'replicating' : state === 'draining' || state === 'switching' ? 'draining' : 'copying';
  const [first = [], second = []] = items.drains ?? [];
  const pass =
    state === 'switching' || (state === 'done' && second.length > 0) ? 2 : first.length > 0 ? 1 : undefined;
  const segments = pass === 2 ? second : pass === 1 ? first : [];
  const sum = (list: readonly CopySegment[], of: 'itemsCopied' | 'bytesCopied'): number =>
    list.reduce((total, s) => total + s[of], 0);
  const passOneDone = first.length > 0 && first.every((s) => s.done);
  return {
    phase,
    pass,
    segmentsDone: segments.filter((s) => s.done).length,
    segments: segments.length,
    drained: sum(segments, 'itemsCopied'),
    // A drain segment's bytesCopied counts the spool items it scanned (spool-drain.ts).
    scanned: sum(segments, 'bytesCopied'),
    spoolKeys: passOneDone ? sum(first, 'bytesCopied') : undefined,
    spooledChanges: items.task?.spooledChanges ?? 0,
  };
}

/** One line: "copying: 3/8 segments, 1,200 of ~5,000 items (24%), 300 items/s on average, ETA 0:13". */
export function copyStatusText(copy: CopyStatus): string {
  const n = (v: number): string => Math.round(v).toLocaleString('en-US');
  const rate = copy.itemsPerSec === undefined ? '' : `, ${n(copy.itemsPerSec)} items/s on average`;
  const spool = copy.spool;
  if (copy.state === 'done') {
    const spooled = spool?.spoolKeys === undefined ? '' : ` (spool mode: ${n(spool.spoolKeys)} keys spooled)`;
    return `done: ${n(copy.itemsCopied)} items in ${formatDuration(copy.elapsedMs)}${rate}${spooled}`;
  }
  if (spool !== undefined && spool.phase === 'draining') {
    const size =
      spool.spoolKeys === undefined
        ? ` (${n(spool.spooledChanges)} changes spooled)`
        : ` of ${n(spool.spoolKeys)} spooled keys`;
    return `draining the spool, pass ${spool.pass ?? 1}${copy.state === 'switching' ? ' (consumers switched to the destination)' : ''}: ${spool.segmentsDone}/${spool.segments} segments, ${n(spool.drained)} items written${size}`;
  }
  if (copy.state !== 'copying') return `${copy.state.replace('-', ' ')} (copy not started)`;
  const items =
    copy.estimatedItems > 0
      ? `${n(copy.itemsCopied)} of ~${n(copy.estimatedItems)} items (${percent(copy)}%)`
      : `${n(copy.itemsCopied)} items`;
  const eta = copy.etaMs === undefined ? '' : `, ETA ${formatDuration(copy.etaMs)}`;
  const spooling = spool === undefined ? '' : `; ${n(spool.spooledChanges)} changes spooled meanwhile`;
  return `copying: ${copy.segmentsDone}/${copy.segments} segments, ${items}${rate}${eta}${spooling}`;
}

/** Short, for a column: "24%", "1,200 items" (no estimate), "done", "starting". */
export function copyStatusCell(copy: CopyStatus | undefined): string {
  if (copy === undefined) return '-';
  if (copy.state === 'done') return 'done';
  if (copy.spool?.phase === 'draining') return `draining ${copy.spool.pass ?? 1}`;
  if (copy.state !== 'copying') return 'starting';
  if (copy.estimatedItems <= 0) return `${copy.itemsCopied.toLocaleString('en-US')} items`;
  return `${percent(copy)}%`;
}

/** Capped: the estimate may be hours old and short of the items really copied. */
function percent(copy: CopyStatus): number {
  return Math.min(100, Math.floor((copy.itemsCopied * 100) / copy.estimatedItems));
}
