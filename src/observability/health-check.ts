// Pure: whether the worker is live (/healthz: not stuck, so a restart would not help) and ready (/readyz: start-up
// checks passed and it takes part in the fleet), from a snapshot of its tasks (one, or every task of a plan), with
// one line per reason naming the task, the shard and for how long. The I/O around it is health-monitor.ts.
//
// Stuck is any of: a held shard behind with no progress (no write, no checkpoint, no read that found it caught up)
// for the stall timeout, or whose reads have failed that long; lease renewals failing for longer than the failover
// time (its leases are gone by then, and it cannot take any); the event loop blocked past a threshold. A task that
// stopped or FAILED is not stuck: it ended with an error a restart does not cure (a deleted table, a refused
// write), its line was logged and `status` shows it; restarting the process would only stop its other tasks.
import { lagText } from './lag-text.js';
import type { ShardStall } from './progress-tracker.js';

/**
 * The event loop blocked this long is stuck. Healthy pauses (a garbage collection, parsing a 1 MB page) take tens
 * of milliseconds. Five seconds is half the default failover time: renewals (every failover / 6) ran late enough to
 * put the leases at risk, and writes were held past their deadline.
 */
export const EVENT_LOOP_BLOCKED_MS = 5_000;

/** A plan of hundreds of tasks would list hundreds of lines; the first few say enough. */
const MAX_LINES = 20;

/** A task's life, as Replicator.status says it. */
export type TaskStatus = 'STARTING' | 'RUNNING' | 'STOPPING' | 'STOPPED' | 'FAILED';

export interface TaskHealth {
  readonly task: string;
  readonly status: TaskStatus;
  /** The start-up checks passed: credentials, tables, stream, permissions, lease table. */
  readonly checked: boolean;
  /** A bootstrap copy is part of its start (the worker shares the copy's segments through the lease table). */
  readonly copying: boolean;
  /** A heartbeat of this worker reached the lease table: the fleet counts it. */
  readonly joined: boolean;
  /** The shards it reads now. */
  readonly shards: readonly ShardStall[];
  /** How long its heartbeats and renewals have failed without an answer; undefined while answered. */
  readonly renewalsFailingForMs: number | undefined;
  readonly leaseTable: string;
  readonly failoverMs: number;
  readonly stallTimeoutMs: number;
}

export interface HealthSnapshot {
  readonly tasks: readonly TaskHealth[];
  /** The longest event-loop delay over the last window (event-loop-watch.ts). */
  readonly eventLoopDelayMs: number;
  /** The process is stopping (SIGTERM): not ready, and not stuck while its stop runs its own timeouts. */
  readonly stopping: boolean;
  /** A plan: its first resolution was handled (every task it selected started or skipped). */
  readonly plan?: { readonly resolved: boolean } | undefined;
}

export interface HealthVerdict {
  readonly live: boolean;
  readonly ready: boolean;
  /** Why not live, one line each (empty when live). */
  readonly reasons: readonly string[];
  /** Why not ready, one line each (empty when ready). */
  readonly notReady: readonly string[];
}

export function judgeHealth(snapshot: HealthSnapshot): HealthVerdict {
  const reasons: string[] = [];
  if (snapshot.eventLoopDelayMs > EVENT_LOOP_BLOCKED_MS) {
    reasons.push(
      `event loop blocked for ${lagText(snapshot.eventLoopDelayMs)} (more than ${lagText(EVENT_LOOP_BLOCKED_MS)}): renewals and writes were held up that long`,
    );
  }
  // Only a running task can be stuck: one starting has its own retries and timeouts, one stopping its shutdown
  // timeout, and one that ended or failed is over (see the top of this file).
  if (!snapshot.stopping) {
    for (const task of snapshot.tasks) if (task.status === 'RUNNING') reasons.push(...stuckReasons(task));
  }
  const ready = !snapshot.stopping && isReady(snapshot);
  return {
    live: reasons.length === 0,
    ready,
    reasons: capped(reasons),
    notReady: ready ? [] : capped(notReadyReasons(snapshot)),
  };
}

function stuckReasons(task: TaskHealth): string[] {
  const reasons: string[] = [];
  const timeout = task.stallTimeoutMs;
  for (const shard of task.shards) {
    const where = `task ${task.task} shard ${shard.shardId}`;
    const behind = shard.behindMs === undefined ? 'behind' : `behind ${lagText(shard.behindMs)}`;
    if (shard.readsFailingForMs !== undefined && shard.readsFailingForMs > timeout) {
      // Checked first: a caught-up shard whose reads fail is not known to be caught up any more.
      const state = shard.caughtUp ? 'caught up at its last read' : behind;
      reasons.push(
        `${where} ${state}, reads failing for ${lagText(shard.readsFailingForMs)} (source stream unreachable?)`,
      );
    } else if (!shard.caughtUp && shard.sinceProgressMs > timeout) {
      const since = lagText(shard.sinceProgressMs);
      reasons.push(
        shard.pending > 0
          ? `${where} ${behind}, no write for ${since} with ${shard.pending} records waiting (destination unreachable?)`
          : `${where} ${behind}, nothing read or written for ${since}`,
      );
    }
  }
  const failing = task.renewalsFailingForMs;
  if (failing !== undefined && failing > task.failoverMs) {
    reasons.push(
      `task ${task.task} lease renewals failing for ${lagText(failing)} (failover time ${lagText(task.failoverMs)}): lease table ${task.leaseTable} unreachable?`,
    );
  }
  return reasons;
}

/**
 * One task: its start-up checks passed and it takes part in the fleet (a heartbeat reached the lease table, or it
 * shares a bootstrap copy). A plan: as soon as one task does, since the process then takes part, and one slow or
 * failed task must not hold the others' worker out; or, once the plan was resolved, when it selected no task to
 * start (its globs match nothing yet): an idle member of the fleet, waiting for tables, is as ready as it gets.
 */
function isReady(snapshot: HealthSnapshot): boolean {
  if (snapshot.tasks.some(taskReady)) return true;
  return snapshot.plan?.resolved === true && snapshot.tasks.length === 0;
}

function taskReady(task: TaskHealth): boolean {
  if (task.status === 'RUNNING') return task.joined;
  return task.status === 'STARTING' && task.checked && task.copying;
}

function notReadyReasons(snapshot: HealthSnapshot): string[] {
  if (snapshot.stopping) return ['stopping: leaving the fleet'];
  if (snapshot.tasks.length === 0) {
    return [snapshot.plan?.resolved === false ? 'resolving the plan' : 'no task running'];
  }
  return snapshot.tasks.map((task) => `task ${task.task} ${taskState(task)}`);
}

function taskState(task: TaskHealth): string {
  switch (task.status) {
    case 'STARTING':
      return task.checked ? 'starting: start-up checks passed' : 'starting: start-up checks under way';
    case 'RUNNING':
      return `running, not yet in the fleet: no heartbeat has reached lease table ${task.leaseTable}`;
    case 'STOPPING':
      return 'stopping';
    case 'STOPPED':
      return 'stopped';
    case 'FAILED':
      return 'failed';
  }
}

function capped(lines: string[]): string[] {
  if (lines.length <= MAX_LINES) return lines;
  return [...lines.slice(0, MAX_LINES), `... and ${lines.length - MAX_LINES} more`];
}
