// Keeps what the live status page shows: every few seconds one read (a Scan) of each lease table this worker
// works with, as `status` reads it (app/fleet-reader.ts), so the page of any worker shows the whole fleet; and a
// short history per shard for the charts (fleet-history.ts). Lag comes from the lease table (each owner records
// its own with every renewal), so it is known for every worker's shards; items written/s comes from this
// worker's own ProgressTracker (a checkpoint is a sequence number, not a count), so it is known only for the
// shards this worker holds, and the chart shows a gap for the others.
import { openFleetReader, readTaskStatus, taskFleetJson, type FleetReader } from '../../app/fleet-reader.js';
import type { TableLocation } from '../../config/replication-config.js';
import { errorMessage } from '../../errors/replicator-error.js';
import { planStatusJson, type TaskStatus } from '../../plan/plan-status-report.js';
import { sleep } from '../../util/sleep.js';
import { silentLogger, type Logger } from '../logger.js';
import { FleetHistory, type HistoryJson, type SeriesPoint } from './fleet-history.js';

export interface PolledTask {
  readonly label: string;
  readonly taskName: string;
  readonly source: TableLocation;
  readonly destination: TableLocation;
  /** A fan-out's further destinations; absent or empty for a single destination. */
  readonly fanOut?: readonly TableLocation[] | undefined;
  readonly leaseTable: TableLocation;
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
  /** Wall-clock ms; tests give their own, as two polls may fall in one millisecond. */
  readonly now?: () => number;
}

export const POLL_INTERVAL_MS = 2_000;
const HISTORY_WINDOW_MS = 10 * 60_000;

export class StatusPoller {
  readonly #deps: StatusPollerDeps;
  readonly #intervalMs: number;
  readonly #history: FleetHistory;
  readonly #readers = new Map<string, FleetReader>();
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
      for (const reader of this.#readers.values()) reader.close();
      this.#readers.clear();
    }
  }

  async pollOnce(): Promise<void> {
    const tasks = this.#deps.tasks();
    const statuses = await Promise.all(tasks.map((task) => this.#read(task)));
    const at = (this.#deps.now ?? Date.now)();
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
    this.#statuses = statuses;
    this.#polledAt = at;
    // A task no longer run (a plan's table dropped out of its globs) keeps no client open.
    const names = new Set(tasks.map((t) => t.taskName));
    for (const [name, reader] of this.#readers) {
      if (!names.has(name)) {
        reader.close();
        this.#readers.delete(name);
      }
    }
  }

  async #read(task: PolledTask): Promise<TaskStatus> {
    let reader = this.#readers.get(task.taskName);
    if (reader === undefined) {
      reader =
        this.#deps.openReader?.(task.leaseTable) ??
        openFleetReader(task.leaseTable, this.#deps.logger, this.#deps.sessionName);
      this.#readers.set(task.taskName, reader);
    }
    const read = reader;
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
