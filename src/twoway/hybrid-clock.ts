// The hybrid logical clock the replicators stamp versions with: the wall clock's milliseconds while it moves
// forward, a counter within a millisecond, and never a version at or below one already made or observed. Because
// every version a replicator makes is above every version it has seen, a write made after seeing another is
// ordered after it, and the counter (not the wall clock) carries the order when the wall clock stalls, goes
// backwards, or lags another machine's. Stamps are formatted by version-stamp.ts.
import { MAX_COUNTER, formatStamp, parseStamp, type Side, type Version } from './version-stamp.js';

export class HybridClock {
  readonly #side: Side;
  readonly #wallClock: () => number;
  #ms = 0;
  #counter = -1;

  constructor(side: Side, wallClock: () => number = Date.now) {
    this.#side = side;
    this.#wallClock = wallClock;
  }

  /** A new version, above every version this clock made or observed before. */
  next(): Version {
    const wall = Math.floor(this.#wallClock());
    if (wall > this.#ms) {
      this.#ms = wall;
      this.#counter = 0;
    } else if (this.#counter < MAX_COUNTER) {
      this.#counter += 1;
    } else {
      // The counter is full: borrow the next millisecond (the wall clock catches up with it later). The order
      // holds; only the millisecond reads a little ahead of the wall clock.
      this.#ms += 1;
      this.#counter = 0;
    }
    const version = { ms: this.#ms, counter: this.#counter, side: this.#side };
    formatStamp(version); // refuses a clock past what a stamp can hold before anything uses it
    return version;
  }

  /** next() as the stamp written to items. */
  nextStamp(): string {
    return formatStamp(this.next());
  }

  /**
   * Moves the clock up to a version seen (in a stream image, on an item), so that the next version is above it.
   * A stamp that is not a version (an app wrote the marker) moves nothing; returns whether it was a version.
   */
  observe(seen: Version | string): boolean {
    const version = typeof seen === 'string' ? parseStamp(seen) : seen;
    if (version === undefined) return false;
    if (version.ms > this.#ms || (version.ms === this.#ms && version.counter > this.#counter)) {
      this.#ms = version.ms;
      this.#counter = version.counter;
    }
    return true;
  }
}
