// `bootstrap --plan`'s one progress display over every copy of the plan, instead of one per task: on a terminal
// one bar (items copied by the fleet over all copies of the sum of their estimates, rate, ETA, tables copied,
// segments), elsewhere one `plan copy progress` line per interval with the same figures and the copies with the
// most items left; at the end one summary line of the plan's copies. Each task's CopyProgress reports through the
// sink `task()` gives it; the plan runner says which tasks ended or failed. The figures are summed by
// plan-copy-figures.ts, put in words by plan-copy-lines.ts and drawn by the same ProgressBar a single copy uses.
import type { PlanTaskState } from '../app/plan-runner.js';
import { ProgressBar, type ProgressLog } from '../observability/progress-bar.js';
import { sleep } from '../util/sleep.js';
import type { CopyFigures, CopyProgressSink } from './copy-progress.js';
import {
  aggregateCopies,
  copyState,
  type CopyRecord,
  type PlanCopyFigures,
  type TaskFigures,
} from './plan-copy-figures.js';
import { barExtra, lineExtra, summaryFields, summaryMessage, taskFields } from './plan-copy-lines.js';

/** What the display asks the plan runner (PlanRunner fits). */
export interface PlanTasksView {
  states(): ReadonlyMap<string, PlanTaskState>;
  readonly stopping: boolean;
}

export interface PlanCopyProgressOptions {
  /** A bar redrawn in place, for a person at a terminal; otherwise log lines. */
  readonly bar: boolean;
  /** Between two log lines; 0: none (the summary still comes). The bar has its own pace. */
  readonly intervalMs: number;
  /** The lines and the summary; a pino Logger fits. */
  readonly logger: ProgressLog;
  /** Where the bar goes; default process.stderr. */
  readonly stream?: NodeJS.WriteStream;
  /** How often the figures are summed again; default 200 ms. */
  readonly refreshMs?: number;
}

/** One task's copy as its sink has been told, and how its task ended. */
class TaskCopy implements CopyProgressSink {
  readonly table: string;
  record: CopyRecord = {
    skipped: false,
    estimatedItems: undefined,
    segments: undefined,
    fleetItems: 0,
    items: 0,
    segmentsDone: 0,
    finished: false,
  };
  /** Whether the process was stopping when the task was first seen ended; undefined before. */
  stoppedAtEnd: boolean | undefined;

  constructor(table: string) {
    this.table = table;
  }

  started(estimatedItems: number, segments: number): void {
    this.record = { ...this.record, estimatedItems, segments, finished: false };
  }

  update(figures: CopyFigures): void {
    this.record = { ...this.record, ...figures };
  }

  ended(figures: CopyFigures): void {
    this.record = { ...this.record, ...figures, finished: true };
  }
}

interface Seen {
  readonly figures: PlanCopyFigures;
  readonly tasks: readonly TaskFigures[];
}

export class PlanCopyProgress {
  readonly #options: PlanCopyProgressOptions;
  readonly #stream: NodeJS.WriteStream;
  readonly #tasks = new Map<string, TaskCopy>();
  readonly #bar: ProgressBar;
  readonly #stopper = new AbortController();
  #view: PlanTasksView | undefined;
  #seen: Seen = { figures: aggregateCopies([]), tasks: [] };
  #refreshing: Promise<void> | undefined;
  #stopped: Promise<void> | undefined;
  #startedAt = performance.now();

  constructor(options: PlanCopyProgressOptions) {
    this.#options = options;
    this.#stream = options.stream ?? process.stderr;
    const { logger } = options;
    this.#bar = new ProgressBar({
      label: 'plan copy',
      unit: 'items',
      stream: this.#stream,
      tty: options.bar,
      ...(options.bar ? {} : { intervalMs: options.intervalMs }),
      extra: () => (options.bar ? barExtra(this.#seen.figures) : lineExtra(this.#seen.figures)),
      // The copies with the most items left, so that a line says which tables hold the plan up.
      log: {
        info: (fields, message) =>
          logger.info({ ...fields, mostItemsLeft: this.#seen.figures.copying.map(taskFields) }, message),
      },
    });
  }

  /** The sink a task's copy reports to; the same one when asked again for the same task. */
  task(taskName: string, sourceTable: string): CopyProgressSink {
    let copy = this.#tasks.get(taskName);
    if (copy === undefined) {
      copy = new TaskCopy(sourceTable);
      this.#tasks.set(taskName, copy);
      this.#begin();
    }
    return copy;
  }

  /** A task of the plan that will not run (a glob's table without a stream): in no total. */
  skipped(taskName: string): void {
    const copy = this.#tasks.get(taskName);
    if (copy !== undefined) copy.record = { ...copy.record, skipped: true };
  }

  /**
   * `view` says which tasks ended or failed. The bar or the lines start with the first task: a plan found wrong
   * before any task (exit 2) draws nothing.
   */
  start(view: PlanTasksView): void {
    this.#view = view;
    this.#begin();
  }

  #begin(): void {
    if (this.#view === undefined || this.#tasks.size === 0 || this.#refreshing !== undefined) return;
    if (this.#stopper.signal.aborted) return;
    this.#startedAt = performance.now();
    this.#refresh();
    this.#bar.start();
    this.#refreshing = this.#refreshLoop(this.#stopper.signal);
  }

  /**
   * Erases the bar's line, so that a log line written next takes its place instead of running on after it (the
   * bar is drawn again at its next tick). For the logger's hook; nothing to do for log lines.
   */
  clearLine(): void {
    if (this.#options.bar && this.#refreshing !== undefined && !this.#stopper.signal.aborted) {
      this.#stream.write('\r\x1b[K');
    }
  }

  /** The figures as last summed (for tests). */
  get figures(): PlanCopyFigures {
    return this.#seen.figures;
  }

  /**
   * Draws the final state and logs the plan's summary, once every task has ended: `outcome` is the run's (was a
   * stop asked for). Without it (the run itself failed, and its error is the last word) no summary. Same promise
   * when called twice.
   */
  stop(outcome?: { readonly stopped: boolean }): Promise<void> {
    this.#stopped ??= this.#stop(outcome);
    return this.#stopped;
  }

  async #stop(outcome: { readonly stopped: boolean } | undefined): Promise<void> {
    this.#stopper.abort();
    if (this.#refreshing === undefined) return;
    await this.#refreshing;
    this.#refresh(outcome ?? { stopped: true });
    await this.#bar.stop();
    if (outcome === undefined) return;
    const { figures, tasks } = this.#seen;
    this.#options.logger.info(
      summaryFields(figures, tasks, performance.now() - this.#startedAt),
      summaryMessage(figures),
    );
  }

  async #refreshLoop(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      await sleep(this.#options.refreshMs ?? 200, signal);
      if (!signal.aborted) this.#refresh();
    }
  }

  /**
   * Sums the figures again. `end`: the run is over. The runner says `stopping` at the end of every run, asked for
   * or not, so at the end the outcome says whether the tasks seen ended only now were stopped; a task never
   * started was cut off by the stop (or the run's failure).
   */
  #refresh(end?: { readonly stopped: boolean }): void {
    const states = this.#view?.states() ?? new Map<string, PlanTaskState>();
    const stopping = end?.stopped ?? this.#view?.stopping ?? false;
    const tasks: TaskFigures[] = [];
    for (const [task, copy] of this.#tasks) {
      let runner = states.get(task);
      if (end !== undefined && !end.stopped) copy.stoppedAtEnd = false;
      if (runner !== undefined && runner !== 'running') copy.stoppedAtEnd ??= stopping;
      if (end !== undefined && runner === undefined) {
        runner = 'ended';
        copy.stoppedAtEnd = true;
      }
      const state = copyState(copy.record, runner, copy.stoppedAtEnd ?? false);
      tasks.push({ ...copy.record, task, table: copy.table, state });
    }
    const figures = aggregateCopies(tasks);
    this.#seen = { figures, tasks };
    this.#bar.setTotal(figures.totalItems);
    this.#bar.set(figures.fleetItems);
  }
}
