// Runs every task of a replication plan in one process: one Replicator per table pair (its own lease table, task
// name and checkpoints, as a single-table run of it would have), all sharing the process's memory budget and write
// slots (each task within a limit of its own, so one hot table cannot starve the others) and one fair share over
// the whole plan. A task's failure is its own: it is logged with its line and the others go on. The plan is
// resolved again every refresh interval, so a new table that a glob selects starts replicating. `run()` ends when
// stopped, or once every task has ended on its own; its outcome lists the tasks that failed. Its health (/healthz,
// /readyz and the stall log) is over every task: stuck when any running task is, ready once one task takes part.
import type { Logger } from 'pino';
import type { BootstrapOptions } from '../bootstrap/bootstrap-options.js';
import type { ReplicationConfig } from '../config/replication-config.js';
import { ConfigError, errorMessage } from '../errors/replicator-error.js';
import { PlanShare } from '../lease/plan-share.js';
import { EventBus } from '../observability/events.js';
import type { HealthVerdict } from '../observability/health-check.js';
import { HealthMonitor } from '../observability/health-monitor.js';
import { logEvents } from '../observability/log-events.js';
import type { ReplicatorMetrics } from '../observability/metrics.js';
import { ProgressTracker } from '../observability/progress-tracker.js';
import type { PlanTask } from '../plan/plan-task.js';
import { directionText } from '../twoway/direction-text.js';
import type { Side } from '../twoway/version-stamp.js';
import { inOrder } from '../util/in-order.js';
import { NestedSlots, Semaphore } from '../util/semaphore.js';
import { Wakeup } from '../util/wakeup.js';
import type { ProcessResources } from './process-resources.js';
import { Replicator, type SinkFactory } from './replicator.js';

export type PlanTaskState = 'running' | 'ended' | 'failed';

/** New tasks checked (`prepare`) at once; each still starts in the plan's order. */
export const PREPARES_IN_FLIGHT = 8;

export interface TaskFailure {
  readonly taskName: string;
  readonly message: string;
  /** A mistake found before the task moved data (its tables, stream or permissions). */
  readonly config: boolean;
}

export interface PlanOutcome {
  readonly tasks: number;
  readonly failures: readonly TaskFailure[];
  readonly stopped: boolean;
}

/** What a task of the plan is built from: its config and copy options, and whether it may start now. */
export interface PlanTaskSetup {
  readonly config: ReplicationConfig;
  readonly bootstrap: BootstrapOptions | undefined;
  /** Where its flushes go instead of the destination writer (a direction of two-way replication). */
  readonly sink?: SinkFactory | undefined;
  /** The task that ends when this one fails, and this one when it fails (two-way's other direction). */
  readonly partner?: string | undefined;
  /** A direction of two-way replication: the side whose stream it reads, named in its start line. */
  readonly side?: Side | undefined;
}

export interface PlanRunnerDeps {
  /** The plan's tasks now (a glob's tables as listed now). */
  readonly resolve: (signal: AbortSignal) => Promise<readonly PlanTask[]>;
  /** A task's config from its flags and the process's (the same rules as `replicate`). */
  readonly setup: (task: PlanTask) => PlanTaskSetup;
  /** Before a task starts (e.g. its stream turned on, or a glob's table without one skipped): start it or not. */
  readonly prepare?: (task: PlanTask, setup: PlanTaskSetup, signal: AbortSignal) => Promise<'start' | 'skip'>;
  readonly resources: ProcessResources;
  /** Write requests in flight per task, within the process's. */
  readonly taskWriteConcurrency: number;
  /** How often the plan is resolved again; 0: never (a copy-only run). */
  readonly refreshIntervalMs: number;
  readonly logger: Logger;
  readonly metrics?: ReplicatorMetrics | undefined;
  /** A task that fails stops the others (the two directions of two-way replication: one alone lets them drift). */
  readonly endTogether?: boolean | undefined;
}

interface RunningTask {
  readonly taskName: string;
  readonly config: ReplicationConfig;
  readonly replicator: Replicator;
  readonly tracker: ProgressTracker;
  state: PlanTaskState;
  readonly done: Promise<void>;
}

export class PlanRunner {
  readonly #deps: PlanRunnerDeps;
  readonly #share = new PlanShare();
  readonly #tasks = new Map<string, RunningTask>();
  readonly #failures: TaskFailure[] = [];
  readonly #stop = new AbortController();
  readonly #changed = new Wakeup();
  readonly #health: HealthMonitor;
  /** The plan's first resolution was handled: every task it selected was started or skipped. */
  #resolved = false;

  constructor(deps: PlanRunnerDeps) {
    this.#deps = deps;
    this.#health = new HealthMonitor({
      snapshot: () => ({
        tasks: [...this.#tasks.values()].map((task) => task.replicator.health()),
        stopping: this.stopping,
        plan: { resolved: this.#resolved },
      }),
      logger: deps.logger,
    });
    deps.metrics?.watchProcess({ health: () => this.health(), buffer: deps.resources.memory });
  }

  /** Liveness and readiness over every task (observability/health-check.ts), for /healthz and /readyz. */
  health(): HealthVerdict {
    return this.#health.verdict();
  }

  /** Every task's progress, for the progress line and the metrics. */
  trackers(): ReadonlyMap<string, ProgressTracker> {
    return new Map([...this.#tasks].map(([name, task]) => [name, task.tracker]));
  }

  /** The tasks started (running or not), for the status page's lease-table reads. */
  configs(): ReadonlyMap<string, ReplicationConfig> {
    return new Map([...this.#tasks].map(([name, task]) => [name, task.config]));
  }

  /** Tasks by state, for the progress line and the health check. */
  states(): ReadonlyMap<string, PlanTaskState> {
    return new Map([...this.#tasks].map(([name, task]) => [name, task.state]));
  }

  get stopping(): boolean {
    return this.#stop.signal.aborted;
  }

  /** Asks every task for a clean stop; `run()` resolves once they are done. Safe to call more than once. */
  stop(): void {
    this.#stop.abort();
    for (const task of this.#tasks.values()) task.replicator.stop();
    this.#changed.notify();
  }

  async run(): Promise<PlanOutcome> {
    const signal = this.#stop.signal;
    const { logger, refreshIntervalMs } = this.#deps;
    let stopped: boolean;
    const checking = this.#health.run(signal);
    try {
      for (let first = true; !signal.aborted; first = false) {
        try {
          await this.#refresh(signal);
          this.#resolved = true;
        } catch (err) {
          if (signal.aborted) break;
          // The first resolution is the plan's startup check: its mistakes end the run (exit 2). Later ones are
          // retried at the next refresh while the tasks already running go on.
          if (first) throw err;
          logger.warn({ err: errorMessage(err) }, 'resolving the plan again failed; retrying later');
        }
        // Every task ended on its own (or, without refreshes, there is nothing left to wait for).
        if (this.#running() === 0 && (this.#tasks.size > 0 || refreshIntervalMs <= 0)) break;
        await this.#changed.wait(signal, refreshIntervalMs > 0 ? refreshIntervalMs : undefined);
      }
    } finally {
      stopped = signal.aborted;
      this.stop();
      await Promise.all([...this.#tasks.values()].map((task) => task.done));
      await checking;
    }
    return { tasks: this.#tasks.size, failures: [...this.#failures], stopped };
  }

  #running(): number {
    return [...this.#tasks.values()].filter((task) => task.state === 'running').length;
  }

  async #refresh(signal: AbortSignal): Promise<void> {
    const tasks = await this.#deps.resolve(signal);
    if (tasks.length === 0) {
      this.#deps.logger.warn('the plan selects no table yet; looking again at the next refresh');
    }
    // The new tasks, each once: a task already running (or started by an earlier refresh) is left alone. A task
    // whose config cannot be built ends the list there, as it ended the loop of one task after another: the tasks
    // before it start, then its error is thrown.
    const fresh = new Map<string, { task: PlanTask; setup: PlanTaskSetup }>();
    let mistake: { err: unknown } | undefined;
    for (const task of tasks) {
      let setup: PlanTaskSetup;
      try {
        setup = this.#deps.setup(task);
      } catch (err) {
        mistake = { err };
        break;
      }
      const name = setup.config.taskName;
      if (!this.#tasks.has(name) && !fresh.has(name)) fresh.set(name, { task, setup });
    }
    // Checked several at once (each check is a few round trips to the source; one after another, the 50th task of
    // a plan started ~19 s after the first), and started in the plan's order, so the log reads as before.
    const prepare = this.#deps.prepare;
    await inOrder(
      [...fresh.values()],
      PREPARES_IN_FLIGHT,
      async ({ task, setup }) => (prepare === undefined ? 'start' : prepare(task, setup, signal)),
      (decision, { setup }) => {
        if (decision === 'start' && !signal.aborted && !this.#tasks.has(setup.config.taskName))
          this.#start(setup);
      },
      signal,
    );
    if (mistake !== undefined && !signal.aborted) throw mistake.err;
  }

  #stopPartner(taskName: string, partner: string): void {
    const other = this.#tasks.get(partner);
    if (other === undefined || other.state !== 'running') return;
    this.#deps.logger
      .child({ task: partner })
      .error({ partner: taskName }, 'stopping: the other direction of its two-way pair failed');
    other.replicator.stop();
  }

  #start(setup: PlanTaskSetup): void {
    const { config, bootstrap, sink, partner, side } = setup;
    const taskName = config.taskName;
    const logger = this.#deps.logger.child({ task: taskName });
    if (partner !== undefined && this.#tasks.get(partner)?.state === 'failed') {
      logger.error({ partner }, 'not starting: the other direction of its two-way pair failed');
      return;
    }
    const events = new EventBus((err) => logger.error({ err: errorMessage(err) }, 'event listener failed'));
    logEvents(events, logger);
    const tracker = new ProgressTracker(events);
    const shared = this.#deps.resources;
    const replicator = new Replicator({
      config,
      events,
      logger,
      bootstrap,
      resources: {
        memory: shared.memory,
        writeSlots: new NestedSlots(new Semaphore(this.#deps.taskWriteConcurrency), shared.writeSlots),
      },
      plan: { share: this.#share, task: taskName },
      tracker,
      sink,
    });
    const detach = this.#deps.metrics?.attach(
      taskName,
      events,
      tracker,
      () => replicator.heldShards().length,
      { unownedShards: () => replicator.unownedShards() },
    );
    // A two-way direction's task name ends in .a-b or .b-a, which says neither which table is A nor, with the
    // tables of a pair often sharing a name (one per region), which way the line's source and destination go.
    const direction =
      side === undefined
        ? {}
        : { direction: directionText(side, config.source.tableName, config.destination.tableName) };
    logger.info(
      { source: config.source.tableName, destination: config.destination.tableName, ...direction },
      'task starting',
    );
    const entry: RunningTask = {
      taskName,
      config,
      replicator,
      tracker,
      state: 'running',
      done: replicator.run().then(
        () => {
          entry.state = 'ended';
          logger.info(this.stopping ? 'task stopped' : 'task ended');
        },
        (err: unknown) => {
          entry.state = 'failed';
          const message = errorMessage(err);
          this.#failures.push({ taskName, message, config: err instanceof ConfigError });
          this.#deps.metrics?.taskFailed(taskName);
          // The task's own line; the others go on, unless the tasks only make sense together.
          logger.error({ err: message }, 'task failed');
          if (this.#deps.endTogether === true) this.stop();
          // One direction of a pair alone would let the two tables drift apart: the other stops with it (and
          // one not started yet is not started, #start).
          else if (partner !== undefined) this.#stopPartner(taskName, partner);
        },
      ),
    };
    void entry.done.finally(() => {
      detach?.();
      this.#changed.notify();
    });
    this.#tasks.set(taskName, entry);
  }
}
