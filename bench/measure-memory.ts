// Peak resident memory of a process while it works: VmRSS sampled every 100 ms (to see when it grows) and the
// kernel's own high-water mark VmHWM read before the process stops. Invariant 6 says memory does not grow with
// the backlog; comparing the peak at 20k and 100k records is how the benchmark checks it.
import { memoryStatus } from './proc-stats.js';

export interface MemoryResult {
  /** VmHWM just before the stop: the peak RSS over the whole life of the process. */
  readonly peakRssMb: number;
  /** RSS at the moment `mark` was called (e.g. when the first item was written). */
  readonly marks: Record<string, number>;
  /** [ms since sampling started, RSS MB], thinned to at most ~60 points. */
  readonly series: [number, number][];
}

export class MemorySampler {
  readonly #pid: number;
  readonly #series: [number, number][] = [];
  readonly #marks: Record<string, number> = {};
  readonly #started = performance.now();
  readonly #timer: NodeJS.Timeout;
  #peakHwmMb = 0;
  #stopped = false;

  constructor(pid: number, intervalMs = 100) {
    this.#pid = pid;
    this.#sample();
    // Unref'd: a sampler left running after an error must not keep the benchmark alive.
    this.#timer = setInterval(() => this.#sample(), intervalMs).unref();
  }

  #sample(): number {
    const status = memoryStatus(this.#pid);
    if (status === undefined) return 0;
    this.#peakHwmMb = Math.max(this.#peakHwmMb, status.hwmMb);
    this.#series.push([Math.round(performance.now() - this.#started), round1(status.rssMb)]);
    return status.rssMb;
  }

  mark(name: string): void {
    this.#marks[name] = round1(this.#sample());
  }

  /** Stops sampling; call it while the process still runs so that VmHWM can be read. Safe to call twice. */
  stop(): MemoryResult {
    if (!this.#stopped) this.#sample();
    this.#stopped = true;
    clearInterval(this.#timer);
    const step = Math.max(1, Math.ceil(this.#series.length / 60));
    return {
      peakRssMb: round1(this.#peakHwmMb),
      marks: { ...this.#marks },
      series: this.#series.filter((_, i) => i % step === 0 || i === this.#series.length - 1),
    };
  }
}

function round1(n: number): number {
  return Math.round(n * 10) / 10;
}
