// Keeps what the live status page shows: every few seconds one read (a Scan) of each lease table this worker
// works with, as `status` reads it (app/fleet-reader.ts), so the page of any worker shows the whole fleet; and a
// short history per shard for the charts (fleet-history.ts). Lag comes from the lease table (each owner records
// its own with every renewal), so it is known for every worker's shards; items written/s comes from this
// worker's own ProgressTracker (a checkpoint is a sequence number, not a count), so it is known only for the
// shards this worker holds, and the chart shows a gap for the others. A two-way direction's conflict log is read
// beside its lease table (app/conflict-reader.ts), at every poll while it is small, less often as it grows
// (conflict-read-delay.ts).
import { openConflictReader, type ConflictReader } from '../../app/conflict-reader.js';
import { openFleetReader, readTaskStatus, taskFleetJson, type FleetReader } from '../../app/fleet-reader.js';
import type { TableLocation } from '../../config/replication-config.js';
import { errorMessage } from '../../errors/replicator-error.js';
import { planStatusJson, type TaskStatus } from '../../plan/plan-status-report.js';
import { conflictSummary, type ConflictSummary } from '../../twoway/conflict-summary.js';
import type { Side } from '../../twoway/version-stamp.js';
import { sleep } from '../../util/sleep.js';
import { silentLogger, type Logger } from '../logger.js';
import { conflictReadDelayMs } from './conflict-read-delay.js';
import { FleetHistory, type HistoryJson, type SeriesPoint } from './fleet-history.js';

export interface PolledTask {
  readonly label: string;
  readonly taskName: string;
  readonly source: TableLocation;
  readonly destination: TableLocation;
  /** A fan-out's further destinations; absent or empty for a single destination. */
  readonly fanOut?: readonly TableLocation[] | undefined;
  readonly leaseTable: TableLocation;
  /** A direction of a two-way pair: the side whose stream it reads. */
  readonly twoWay?: { readonly side: Side } | undefined;
}

export interface StatusPollerDeps {
  /** 'task': /status.json as `status --json`; 'plan': as `status --plan --json`. */
  readonly mode: 'task' | 'plan';
  /** The tasks this worker runs now (a plan's change as its globs match other tables). */
  readonly tasks: () => readonly PolledTask[];
  /** Items written so far per task name and shard id, by this worker. */
  readonly written: () => ReadonlyMap<string, ReadonlyMap<string, number>>;
  readonly logger: Logger;
  readonly sessionName: string;
  readonly intervalMs?: number;
  readonly windowMs?: number;
  /** Tests give a stand-in; by default each lease table's own client (app/fleet-reader.ts). */
  readonly openReader?: (location: TableLocation) => FleetReader;
  /** The same for a two-way direction's conflict log, by its lease table. */
  readonly openConflicts?: (leaseTable: TableLocation) => ConflictReader;
  /** Wall-clock ms; tests give their own, as two polls may fall in one millisecond. */
  readonly now?: () => number;
}

interface ConflictsRead {
  readonly summary: ConflictSummary | undefined;
  readonly error: string | undefined;
  readonly readAt: number | undefined;
  readonly nextAt: number;
}

export const POLL_INTERVAL_MS = 2_000;
const HISTORY_WINDOW_MS = 10 * 60_000;

export class StatusPoller {
  readonly #deps: StatusPollerDeps;
  readonly #intervalMs: number;
  readonly #history: FleetHistory;
  readonly #readers = new Map<string, FleetReader>();
  readonly #conflictReaders = new Map<string, ConflictReader>();
  /** Per two-way task name: its conflicts as last read, and when to read them again. */
  readonly #conflicts = new Map<string, ConflictsRead>();
  #statuses: readonly TaskStatus[] | undefined;
  #polledAt: number | undefined;

  constructor(deps: StatusPollerDeps) {
    this.#deps = deps;
    this.#intervalMs = deps.intervalMs ?? POLL_INTERVAL_MS;
    this.#history = new FleetHistory({
      windowMs: deps.windowMs ?? HISTORY_WINDOW_MS,
      intervalMs: this.#intervalMs,
    });
  }

  /** The shape of `status --json` (one task) or `status --plan --json`; undefined before the first poll. */
  statusJson(): Record<string, unknown> | undefined {
    const statuses = this.#statuses;
    if (statuses === undefined) return undefined;
    if (this.#deps.mode === 'plan') return planStatusJson(statuses);
    const task = statuses[0];
    if (task === undefined) return undefined;
    const json = taskFleetJson(task.taskName, task.leaseTable.tableName, task.fleet);
    return task.error === undefined ? json : { ...json, error: task.error };
  }

  historyJson(): { polledAt: number | undefined; intervalMs: number; tasks: HistoryJson } {
    return { polledAt: this.#polledAt, intervalMs: this.#intervalMs, tasks: this.#history.toJson() };
  }

  /** Polls until `signal` aborts; never rejects (a failed read is that task's error line until the next). */
  async run(signal: AbortSignal): Promise<void> {
    const stopped = new Promise<void>((resolve) => {
      if (signal.aborted) resolve();
      else signal.addEventListener('abort', () => resolve(), { once: true });
    });
    try {
      while (!signal.aborted) {
        // A stop does not wait for a read in flight (a lease table that does not answer would hold the worker's
        // exit up to the SDK's timeouts): closing the readers below ends it, and #read turns that into an error.
        await Promise.race([this.pollOnce(), stopped]);
        await sleep(this.#intervalMs, signal);
      }
    } finally {
      for (const reader of [...this.#readers.values(), ...this.#conflictReaders.values()]) reader.close();
      this.#readers.clear();
      this.#conflictReaders.clear();
    }
  }

  async pollOnce(): Promise<void> {
    const tasks = this.#deps.tasks();
    const now = this.#deps.now ?? Date.now;
    const started = now();
    const [statuses] = await Promise.all([
      Promise.all(tasks.map((task) => this.#read(task))),
      Promise.all(tasks.map((task) => this.#readConflicts(task, started))),
    ]);
    const at = now();
    const written = this.#deps.written();
    const points: SeriesPoint[] = statuses.flatMap((status) =>
      (status.fleet?.shards ?? []).map((shard) => ({
        taskName: status.taskName,
        shardId: shard.shardId,
        lagMs: shard.behindMs,
        itemsWritten: written.get(status.taskName)?.get(shard.shardId),
      })),
    );
    this.#history.record(at, points);
    this.#statuses = statuses.map((status) => this.#withConflicts(status, at));
    this.#polledAt = at;
    // A task no longer run (a plan's table dropped out of its globs) keeps no client open.
    const names = new Set(tasks.map((t) => t.taskName));
    for (const readers of [this.#readers, this.#conflictReaders]) {
      for (const [name, reader] of readers) {
        if (!names.has(name)) {
          reader.close();
          readers.delete(name);
          this.#conflicts.delete(name);
        }
      }
    }
  }

  /** Reads a two-way direction's conflict log when it is due; never rejects (a failure is shown until the next). */
  async #readConflicts(task: PolledTask, now: number): Promise<void> {
    if (task.twoWay === undefined) return;
    const last = this.#conflicts.get(task.taskName);
    if (last !== undefined && now < last.nextAt) return;
    const reader = kept(
      this.#conflictReaders,
      task.taskName,
      () =>
        this.#deps.openConflicts?.(task.leaseTable) ??
        openConflictReader(task.leaseTable, this.#deps.logger, this.#deps.sessionName),
    );
    try {
      // No log yet: the direction has recorded nothing.
      const conflicts = (await reader.read()) ?? [];
      this.#conflicts.set(task.taskName, {
        summary: conflictSummary(conflicts),
        error: undefined,
        readAt: now,
        nextAt: now + conflictReadDelayMs(conflicts.length, this.#intervalMs),
      });
    } catch (err) {
      // Kept: the last conflicts read stay on the page beside the error, rather than none.
      this.#conflicts.set(task.taskName, {
        summary: last?.summary,
        error: errorMessage(err),
        readAt: last?.readAt,
        nextAt: now + conflictReadDelayMs(undefined, this.#intervalMs),
      });
    }
  }

  #withConflicts(status: TaskStatus, at: number): TaskStatus {
    if (status.twoWay === undefined) return status;
    const read = this.#conflicts.get(status.taskName);
    return {
      ...status,
      twoWay: {
        side: status.twoWay.side,
        conflicts: read?.summary,
        conflictsError: read?.error,
        conflictsAgeMs: read?.readAt === undefined ? undefined : Math.max(0, at - read.readAt),
      },
    };
  }

  async #read(task: PolledTask): Promise<TaskStatus> {
    const read = kept(
      this.#readers,
      task.taskName,
      () =>
        this.#deps.openReader?.(task.leaseTable) ??
        openFleetReader(task.leaseTable, this.#deps.logger, this.#deps.sessionName),
    );
    try {
      // Its error is shown on the page; logging it again every poll would flood the log.
      return await readTaskStatus(task, () => read.read(), silentLogger());
    } catch (err) {
      // Throttling or a network blip: shown on the page, tried again at the next poll.
      this.#deps.logger.debug(
        { err: errorMessage(err), taskName: task.taskName },
        'status page: read failed',
      );
      return { ...task, fleet: undefined, error: errorMessage(err) };
    }
  }
}

/** The reader kept open for a task (one client, its credentials checked once), opened at its first use. */
function kept<R>(readers: Map<string, R>, taskName: string, open: () => R): R {
  let reader = readers.get(taskName);
  if (reader === undefined) {
    reader = open();
    readers.set(taskName, reader);
  }
  return reader;
}
