// A rate (items per second) meant for the whole fleet, split evenly over the workers copying now: each worker
// paces itself at total / workers with a token bucket, and re-splits when the number of workers changes (seen
// in the lease table every few seconds, so the fleet may briefly exceed the rate while a worker joins).
// Large requests are taken in slices no bigger than the bucket, so that a slow rate cannot wait forever.
import { RateLimiter } from '../util/rate-limiter.js';

export class FleetRate {
  readonly #total: number;
  readonly #now: (() => number) | undefined;
  #workers = 1;
  #limiter: RateLimiter | undefined;

  /** `total` in items per second over all workers; Infinity for no limit. */
  constructor(total: number, options: { now?: () => number } = {}) {
    if (!(total > 0)) throw new RangeError(`rate must be positive, got ${total}`);
    this.#total = total;
    this.#now = options.now;
    this.#limiter = this.#build();
  }

  get total(): number {
    return this.#total;
  }

  /** This worker's share now. */
  get perWorker(): number {
    return this.#total / this.#workers;
  }

  get workers(): number {
    return this.#workers;
  }

  setWorkers(workers: number): void {
    const n = Math.max(1, Math.floor(workers));
    if (n === this.#workers) return;
    this.#workers = n;
    this.#limiter = this.#build();
  }

  /** Waits until `n` items may go out at this worker's share of the rate. */
  async take(n: number, signal?: AbortSignal): Promise<void> {
    for (let left = n; left > 0 && signal?.aborted !== true;) {
      const limiter = this.#limiter;
      if (limiter === undefined) return;
      const slice = Math.min(left, this.#burst());
      await limiter.take(slice, signal);
      left -= slice;
    }
  }

  #burst(): number {
    return Math.max(1, Math.floor(this.perWorker));
  }

  #build(): RateLimiter | undefined {
    if (this.#total === Infinity) return undefined;
    return new RateLimiter(this.perWorker, {
      burst: this.#burst(),
      ...(this.#now === undefined ? {} : { now: this.#now }),
    });
  }
}
