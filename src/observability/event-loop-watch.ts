// The longest the event loop was blocked lately, for the health check. A blocked loop answers no probe while it is
// blocked (the probe times out, which is a failure already); this reports it afterwards, for a window, so that a
// loop that blocks again and again shows on /healthz and in the stall log even when a probe happens to get through
// between two blocks.
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';

/** How long a block stays visible: about one probe period (Kubernetes' default is 10 s), no more, so that a single
 *  block is reported by one probe at most, while restarts take several failed probes in a row. */
export const EVENT_LOOP_WINDOW_MS = 10_000;

/** Each second's longest delay is kept for the window. */
const SAMPLE_MS = 1_000;

export class EventLoopWatch {
  readonly #histogram: IntervalHistogram;
  readonly #windowMs: number;
  /** Each sample's end (performance.now()) and its longest delay in ms, oldest first. */
  #samples: { readonly at: number; readonly maxMs: number }[] = [];
  #timer: NodeJS.Timeout | undefined;

  constructor(windowMs = EVENT_LOOP_WINDOW_MS) {
    this.#windowMs = windowMs;
    // A 20 ms resolution: a block of seconds is what matters, and a finer timer only costs CPU.
    this.#histogram = monitorEventLoopDelay({ resolution: 20 });
  }

  start(): void {
    if (this.#timer !== undefined) return;
    this.#histogram.enable();
    this.#timer = setInterval(() => this.#sample(), SAMPLE_MS);
    // Never what keeps the process alive.
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
    this.#histogram.disable();
  }

  /** The longest event-loop delay in ms over the last window (0 when nothing was measured). */
  maxDelayMs(): number {
    const since = performance.now() - this.#windowMs;
    let max = currentMaxMs(this.#histogram);
    for (const sample of this.#samples) if (sample.at >= since) max = Math.max(max, sample.maxMs);
    return max;
  }

  #sample(): void {
    const now = performance.now();
    this.#samples.push({ at: now, maxMs: currentMaxMs(this.#histogram) });
    this.#histogram.reset();
    const since = now - this.#windowMs;
    this.#samples = this.#samples.filter((sample) => sample.at >= since);
  }
}

/** An empty histogram's max is 0; the rest are nanoseconds. */
function currentMaxMs(histogram: IntervalHistogram): number {
  return histogram.count === 0 ? 0 : histogram.max / 1e6;
}
