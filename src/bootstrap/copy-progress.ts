// What a copy reports: a progress bar on a terminal (items copied by the whole fleet of the table's estimated
// count, rate, ETA) or a `copy progress` log line every interval, and at the end this worker's summary (items,
// bytes, duration, retries). Fleet figures come from the segment items (saved pages), this worker's from its
// own pages. A copy of `bootstrap --plan` is given a sink instead: its figures go to the plan's one display
// (plan-copy-progress.ts), and it draws no bar and logs no progress line of its own.
import type { Logger } from 'pino';
import { ProgressBar, type ProgressLog } from '../observability/progress-bar.js';
import type { CopySegment } from './bootstrap-items.js';
import type { PageCopied } from './segment-copier.js';

export interface CopySummary {
  /** Items, bytes and pages this worker copied in this run. */
  readonly items: number;
  readonly bytes: number;
  readonly pages: number;
  readonly durationMs: number;
  readonly itemsPerSec: number;
  readonly readRetries: number;
  readonly writeRetries: number;
  /** Items copied by every worker, in every run, as the segment items record them. */
  readonly fleetItems: number;
}

/** One copy's figures as its progress shows them. */
export interface CopyFigures {
  /** Items copied by the fleet: saved pages, plus this worker's written ones not saved yet (at the end: saved). */
  readonly fleetItems: number;
  /** Items this worker copied in this run. */
  readonly items: number;
  /** Segments done, as this worker last saw them. */
  readonly segmentsDone: number;
}

/** Where a copy reports to when something else shows its progress (a plan's one display). */
export interface CopyProgressSink {
  /** The copy opened: its estimate and segment count, fixed at its first start. */
  started(estimatedItems: number, segments: number): void;
  /** Called on every page: keep it cheap. */
  update(figures: CopyFigures): void;
  /** The copy ended (done, stopped or failed: the task's outcome says which), with what was saved. */
  ended(figures: CopyFigures): void;
}

export interface CopyProgressOptions {
  readonly estimatedItems: number;
  readonly totalSegments: number;
  readonly progressBar: boolean;
  /** 0: no progress lines (the summary still comes). */
  readonly progressIntervalMs: number;
  readonly logger: Logger;
  /** Report here instead of drawing a bar or logging progress lines (the summary still comes). */
  readonly sink?: CopyProgressSink | undefined;
}

/** The log of a bar kept only for its rate: a sink's display shows the figures. */
const NO_LINES: ProgressLog = { info: () => undefined };

export class CopyProgress {
  readonly #options: CopyProgressOptions;
  readonly #bar: ProgressBar;
  /** Per segment: items copied, from the lease table and from this worker's own saves (the larger). */
  readonly #segmentItems = new Map<number, number>();
  /** Per segment: items of this worker's page in flight already written (not saved yet). */
  readonly #pending = new Map<number, number>();
  readonly #segmentsDone = new Set<number>();
  #workers = 1;
  #items = 0;
  #bytes = 0;
  #pages = 0;
  #readRetries = 0;
  #writeRetries = 0;
  #startedAt = performance.now();
  #started = false;

  constructor(options: CopyProgressOptions) {
    this.#options = options;
    const output =
      options.sink !== undefined
        ? // Still sampled (at the default interval) for fleetRatePerSec, which the retention warning uses.
          { tty: false, log: NO_LINES }
        : {
            tty: options.progressBar,
            log: options.logger,
            ...(options.progressBar ? {} : { intervalMs: options.progressIntervalMs }),
          };
    this.#bar = new ProgressBar({
      label: 'copy',
      total: options.estimatedItems > 0 ? options.estimatedItems : undefined,
      unit: 'items',
      ...output,
      extra: () => ({
        segments: `${this.#segmentsDone.size}/${options.totalSegments}`,
        workers: this.#workers,
        retries: this.#readRetries + this.#writeRetries,
      }),
    });
  }

  /** Starts the bar or the log lines, from the fleet's progress so far. */
  start(segments: readonly CopySegment[]): void {
    this.#startedAt = performance.now();
    this.#options.sink?.started(this.#options.estimatedItems, this.#options.totalSegments);
    this.listed(segments, 1);
    const { sink, progressBar, progressIntervalMs } = this.#options;
    if (sink !== undefined || progressBar || progressIntervalMs > 0) {
      this.#bar.start();
      this.#started = true;
    }
  }

  listed(segments: readonly CopySegment[], workers: number): void {
    this.#workers = workers;
    for (const s of segments) {
      if (s.done) this.#segmentsDone.add(s.segment);
      this.#segmentItems.set(s.segment, Math.max(this.#segmentItems.get(s.segment) ?? 0, s.itemsCopied));
    }
    this.#show();
  }

  written(segment: number, items: number): void {
    this.#pending.set(segment, (this.#pending.get(segment) ?? 0) + items);
    this.#show();
  }

  page(page: PageCopied): void {
    this.#items += page.items;
    this.#bytes += page.bytes;
    this.#pages += 1;
    this.#segmentItems.set(
      page.segment,
      Math.max(this.#segmentItems.get(page.segment) ?? 0, page.itemsCopied),
    );
    this.#pending.delete(page.segment);
    if (page.done) this.#segmentsDone.add(page.segment);
    this.#show();
  }

  /** The bar counts written items at once; the figures count saved pages. */
  #show(): void {
    const fleetItems = this.#fleetShown();
    this.#bar.set(fleetItems);
    this.#options.sink?.update(this.#figures(fleetItems));
  }

  #fleetShown(): number {
    let pending = 0;
    for (const n of this.#pending.values()) pending += n;
    return this.fleetItems + pending;
  }

  #figures(fleetItems = this.#fleetShown()): CopyFigures {
    return { fleetItems, items: this.#items, segmentsDone: this.#segmentsDone.size };
  }

  retry(side: 'read' | 'write', count: number): void {
    if (side === 'read') this.#readRetries += count;
    else this.#writeRetries += count;
  }

  get fleetItems(): number {
    let sum = 0;
    for (const n of this.#segmentItems.values()) sum += n;
    return sum;
  }

  /** The fleet's copy rate over the last seconds (items/s). */
  get fleetRatePerSec(): number {
    return this.#bar.snapshot().ratePerSec;
  }

  get elapsedMs(): number {
    return performance.now() - this.#startedAt;
  }

  async stop(): Promise<CopySummary> {
    if (this.#started) await this.#bar.stop();
    // What was saved, as the summary below counts it: pages written but not saved are copied again on a restart.
    this.#options.sink?.ended(this.#figures(this.fleetItems));
    const durationMs = Math.round(performance.now() - this.#startedAt);
    return {
      items: this.#items,
      bytes: this.#bytes,
      pages: this.#pages,
      durationMs,
      itemsPerSec: durationMs > 0 ? Math.round((this.#items * 1000) / durationMs) : 0,
      readRetries: this.#readRetries,
      writeRetries: this.#writeRetries,
      fleetItems: this.fleetItems,
    };
  }
}
