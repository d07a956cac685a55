// A token bucket shared by the loops of one process: `take(n)` waits until n units (items, or read capacity)
// may go out, so that a copy or a verify stays under a rate the user chose. A rate of Infinity never waits.
// Several workers share a limit by each taking rate / workers (the caller divides).
import { sleep } from './sleep.js';

export class RateLimiter {
  readonly #ratePerSec: number;
  readonly #burst: number;
  readonly #now: () => number;
  #tokens: number;
  #updatedAt: number;
  /** Waiters queue behind one another so a large request cannot be starved by small ones. */
  #queue: Promise<void> = Promise.resolve();

  constructor(ratePerSec: number, options: { burst?: number; now?: () => number } = {}) {
    if (!(ratePerSec > 0)) throw new RangeError(`rate must be positive, got ${ratePerSec}`);
    this.#ratePerSec = ratePerSec;
    this.#burst = options.burst ?? Math.max(1, ratePerSec);
    this.#now = options.now ?? (() => performance.now());
    this.#tokens = this.#burst;
    this.#updatedAt = this.#now();
  }

  get ratePerSec(): number {
    return this.#ratePerSec;
  }

  /**
   * How long (ms) a request of `n` units would wait now; 0 when it may go at once. A request larger than the
   * burst waits for a full bucket and then leaves the bucket in debt, which later requests wait out.
   */
  delayFor(n: number): number {
    if (this.#ratePerSec === Infinity) return 0;
    this.#refill();
    const missing = Math.min(n, this.#burst) - this.#tokens;
    return missing <= 0 ? 0 : Math.ceil((missing / this.#ratePerSec) * 1000);
  }

  async take(n: number, signal?: AbortSignal): Promise<void> {
    if (this.#ratePerSec === Infinity || n <= 0) return;
    const turn = this.#queue.then(async () => {
      for (let delay = this.delayFor(n); delay > 0 && signal?.aborted !== true; delay = this.delayFor(n)) {
        await sleep(delay, signal);
      }
      // A stopped caller sends nothing, so it takes nothing.
      if (signal?.aborted !== true) this.#tokens -= n;
    });
    this.#queue = turn.catch(() => undefined);
    await turn;
  }

  #refill(): void {
    const now = this.#now();
    this.#tokens = Math.min(this.#burst, this.#tokens + ((now - this.#updatedAt) / 1000) * this.#ratePerSec);
    this.#updatedAt = now;
  }
}
