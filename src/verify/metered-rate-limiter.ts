// A RateLimiter that also counts how often and how long callers waited for it, so the summary can show that a
// --max-read-rate or --max-write-rate actually held the work back. The burst is the whole-number rate, so a
// request of up to `maxRequest` units always fits in the bucket (a larger one would wait forever).
import { RateLimiter } from '../util/rate-limiter.js';

export interface LimiterStats {
  /** Units per second; null for no limit. */
  readonly ratePerSec: number | null;
  /** Calls that found the bucket short and waited for it to refill. */
  readonly waits: number;
  readonly waitedMs: number;
}

export class MeteredRateLimiter extends RateLimiter {
  readonly #clock: () => number;
  #waits = 0;
  #waitedMs = 0;

  constructor(ratePerSec: number, now: () => number = () => performance.now()) {
    super(ratePerSec, { burst: Number.isFinite(ratePerSec) ? Math.max(1, Math.ceil(ratePerSec)) : 1, now });
    this.#clock = now;
  }

  /** The most units one request may ask for at once. */
  get maxRequest(): number {
    return Number.isFinite(this.ratePerSec) ? Math.max(1, Math.floor(this.ratePerSec)) : Infinity;
  }

  override async take(n: number, signal?: AbortSignal): Promise<void> {
    // A take that finds the bucket short waits; one queued behind another waiter may wait uncounted.
    const short = this.delayFor(n) > 0;
    const started = this.#clock();
    await super.take(n, signal);
    if (short) {
      this.#waits += 1;
      this.#waitedMs += this.#clock() - started;
    }
  }

  stats(): LimiterStats {
    return {
      ratePerSec: Number.isFinite(this.ratePerSec) ? this.ratePerSec : null,
      waits: this.#waits,
      waitedMs: Math.round(this.#waitedMs),
    };
  }
}
