// Progress of a long job over a known (or estimated) number of units: a bar redrawn in place when the output is
// a terminal, otherwise one log line every few seconds. Shared by `verify` and `bootstrap`.
// API: `new ProgressBar({ label, total?, unit?, extra?, ... })`, then `start()`; the job calls `add(n)` (or
// `set(done)`) and may correct `setTotal(n)` (an estimate such as DescribeTable's ItemCount); `await stop()`
// draws the last state and ends the line. `snapshot()` gives { done, total, ratePerSec, etaMs, elapsedMs }.
// `total` is a hint: done may pass it (the bar then shows no ETA). `intervalMs: 0` turns all output off. The
// pure parts (progressState, formatProgressLine) are exported for tests.
import { sleep } from '../util/sleep.js';

export interface ProgressState {
  readonly done: number;
  /** undefined when unknown. */
  readonly total: number | undefined;
  readonly elapsedMs: number;
  /** Units per second over the last few seconds (the whole run at first). */
  readonly ratePerSec: number;
  /** undefined when unknown (no total, done at or past it, or no rate yet). */
  readonly etaMs: number | undefined;
}

/** What a non-terminal progress line goes to; a pino Logger fits. */
export interface ProgressLog {
  info(fields: object, message: string): void;
}

export interface ProgressBarOptions {
  /** Names the job in the bar and the log lines, e.g. 'verify'. */
  readonly label: string;
  readonly total?: number | undefined;
  /** Default 'items'. */
  readonly unit?: string;
  /** More figures to show after the rate, e.g. { retries: 3, missing: 1 }. */
  readonly extra?: () => Readonly<Record<string, number | string>>;
  /** Where the bar goes; default process.stderr. */
  readonly stream?: NodeJS.WriteStream;
  /** Draw a bar (true) or log lines (false); default: whether `stream` is a terminal. */
  readonly tty?: boolean;
  /** Receives the log lines when not drawing a bar; default: plain text lines on `stream`. */
  readonly log?: ProgressLog;
  /** Default 200 ms for a bar, 5000 ms for log lines; 0 draws nothing at all (not even at stop). */
  readonly intervalMs?: number;
  readonly now?: () => number;
}

interface Sample {
  readonly at: number;
  readonly done: number;
}

const RATE_WINDOW_MS = 10_000;

/** Pure: the state from the samples kept over the rate window (oldest first) and the current figures. */
export function progressState(
  done: number,
  total: number | undefined,
  startedAt: number,
  now: number,
  oldest: Sample | undefined,
): ProgressState {
  const elapsedMs = Math.max(0, now - startedAt);
  const from = oldest ?? { at: startedAt, done: 0 };
  const spanMs = now - from.at;
  const ratePerSec = spanMs > 0 ? ((done - from.done) * 1000) / spanMs : 0;
  const left = total === undefined ? undefined : total - done;
  const etaMs =
    left === undefined || left <= 0 || ratePerSec <= 0 ? undefined : Math.round((left / ratePerSec) * 1000);
  return { done, total, elapsedMs, ratePerSec, etaMs };
}

export function formatDuration(ms: number): string {
  const seconds = Math.round(ms / 1000);
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  const mmss = `${String(m).padStart(h > 0 ? 2 : 1, '0')}:${String(s).padStart(2, '0')}`;
  return h > 0 ? `${h}:${mmss}` : mmss;
}

function formatExtra(extra: Readonly<Record<string, number | string>>): string {
  return Object.entries(extra)
    .map(([k, v]) => `${k} ${typeof v === 'number' ? v.toLocaleString('en-US') : v}`)
    .join('  ');
}

/** Pure: one line, at most `width` characters; with a bar when `width` leaves room for one. */
export function formatProgressLine(
  label: string,
  unit: string,
  state: ProgressState,
  extra: Readonly<Record<string, number | string>>,
  width: number,
): string {
  const n = (v: number): string => Math.round(v).toLocaleString('en-US');
  const known = state.total !== undefined && state.total > 0;
  const fraction = known ? Math.min(1, state.done / (state.total ?? 1)) : undefined;
  const count = known ? `${n(state.done)}/${n(state.total ?? 0)} ${unit}` : `${n(state.done)} ${unit}`;
  const percent = fraction === undefined ? '' : `${String(Math.floor(fraction * 100)).padStart(3)}% `;
  const eta = state.etaMs === undefined ? '' : `  ETA ${formatDuration(state.etaMs)}`;
  const tail = `${percent}${count}  ${n(state.ratePerSec)}/s${eta}  ${formatDuration(state.elapsedMs)}`;
  const more = formatExtra(extra);
  const text = more === '' ? tail : `${tail}  ${more}`;
  const barWidth = Math.min(30, width - label.length - text.length - 4);
  if (fraction === undefined || barWidth < 10) return `${label} ${text}`.slice(0, Math.max(0, width));
  const filled = Math.round(fraction * barWidth);
  return `${label} [${'#'.repeat(filled)}${'.'.repeat(barWidth - filled)}] ${text}`;
}

export class ProgressBar {
  readonly #label: string;
  readonly #unit: string;
  readonly #extra: () => Readonly<Record<string, number | string>>;
  readonly #stream: NodeJS.WriteStream;
  readonly #tty: boolean;
  readonly #log: ProgressLog | undefined;
  readonly #intervalMs: number;
  readonly #now: () => number;
  readonly #stopper = new AbortController();
  #total: number | undefined;
  #done = 0;
  #startedAt: number;
  #samples: Sample[] = [];
  #loop: Promise<void> | undefined;
  #stopped: Promise<void> | undefined;

  constructor(options: ProgressBarOptions) {
    this.#label = options.label;
    this.#unit = options.unit ?? 'items';
    this.#total = options.total;
    this.#extra = options.extra ?? (() => ({}));
    this.#stream = options.stream ?? process.stderr;
    this.#tty = options.tty ?? this.#stream.isTTY;
    this.#log = options.log;
    this.#intervalMs = options.intervalMs ?? (this.#tty ? 200 : 5_000);
    this.#now = options.now ?? (() => performance.now());
    this.#startedAt = this.#now();
  }

  /** Starts redrawing (or logging) every interval until stop(). */
  start(): void {
    if (this.#loop !== undefined) return;
    this.#startedAt = this.#now();
    this.#samples = [{ at: this.#startedAt, done: this.#done }];
    this.#loop = this.#intervalMs > 0 ? this.#run(this.#stopper.signal) : Promise.resolve();
  }

  add(n: number): void {
    this.#done += n;
  }

  set(done: number): void {
    this.#done = done;
  }

  setTotal(total: number | undefined): void {
    this.#total = total;
  }

  snapshot(): ProgressState {
    return progressState(this.#done, this.#total, this.#startedAt, this.#now(), this.#samples[0]);
  }

  /** Stops the loop, draws the final state and ends the bar's line. Same promise when called twice. */
  stop(): Promise<void> {
    this.#stopped ??= (async () => {
      this.#stopper.abort();
      await this.#loop;
      if (this.#loop !== undefined && this.#intervalMs > 0) this.#render(true);
    })();
    return this.#stopped;
  }

  async #run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      await sleep(this.#intervalMs, signal);
      if (signal.aborted) return;
      this.#sample();
      this.#render(false);
    }
  }

  #sample(): void {
    const now = this.#now();
    this.#samples.push({ at: now, done: this.#done });
    while (this.#samples.length > 2 && (this.#samples[1]?.at ?? now) <= now - RATE_WINDOW_MS) {
      this.#samples.shift();
    }
  }

  #render(final: boolean): void {
    const state = final
      ? progressState(this.#done, this.#total, this.#startedAt, this.#now(), undefined)
      : this.snapshot();
    if (this.#tty) {
      const width = Math.max(40, (this.#stream.columns || 100) - 1);
      const line = formatProgressLine(this.#label, this.#unit, state, this.#extra(), width);
      this.#stream.write(`\r${line}\x1b[K${final ? '\n' : ''}`);
      return;
    }
    if (this.#log !== undefined) {
      this.#log.info(
        {
          progress: {
            done: state.done,
            total: state.total,
            ratePerSec: Math.round(state.ratePerSec),
            etaMs: state.etaMs,
            elapsedMs: Math.round(state.elapsedMs),
            ...this.#extra(),
          },
        },
        `${this.#label} progress`,
      );
      return;
    }
    this.#stream.write(`${formatProgressLine(this.#label, this.#unit, state, this.#extra(), 200)}\n`);
  }
}
