// Moves one shard's checkpoint behind its flushes without holding them up. A flush that succeeded offers its last
// sequence number; the checkpointer writes the newest offered position, one write at a time, at most once per
// interval, and skips positions that a newer one has already overtaken. Flushes never wait for it: before, each
// flush waited for the previous checkpoint, so a slow lease table (a checkpoint's p99 was ~300 ms on DynamoDB
// Local under load) showed up in the replication lag, and every flush cost a lease-table write.
// Invariant 2 holds because only positions of succeeded flushes are offered, in order; what a crash loses is at
// most one interval of checkpoint progress, which the next owner replays (puts and deletes are idempotent).
import { sleep as defaultSleep } from '../util/sleep.js';

export interface CheckpointerDeps {
  /** Writes the checkpoint (conditional on the lease); rejects when it cannot. */
  readonly write: (position: string) => Promise<void>;
  /** Least time from the start of one checkpoint write to the start of the next (0: as soon as one ends). */
  readonly minIntervalMs: number;
  /** A checkpoint was written. */
  readonly onMoved?: (position: string) => void;
  /** A write failed: the owner should look at throwIfFailed() soon. */
  readonly onFailure?: () => void;
  readonly now?: () => number;
  readonly sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}

export class Checkpointer {
  readonly #deps: CheckpointerDeps;
  readonly #now: () => number;
  readonly #sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  /** Ends the wait for the interval: finish() writes what is pending at once. */
  readonly #hurry = new AbortController();
  #pending: string | undefined;
  #written: string | undefined;
  #running: Promise<void> | undefined;
  #lastStartedAt = Number.NEGATIVE_INFINITY;
  #failure: { readonly error: unknown } | undefined;
  #closed = false;

  constructor(deps: CheckpointerDeps) {
    this.#deps = deps;
    this.#now = deps.now ?? (() => performance.now());
    this.#sleep = deps.sleep ?? defaultSleep;
  }

  /** The newest position written, if any. */
  get written(): string | undefined {
    return this.#written;
  }

  /** A flush up to `position` succeeded: positions are offered in the order of the flushes. */
  offer(position: string): void {
    if (this.#closed || this.#failure !== undefined) return;
    this.#pending = position;
    this.#running ??= this.#writeLoop();
  }

  /**
   * Stops taking offers and resolves once nothing is in flight. With `writePending`, the position still waiting
   * for its interval is written now (a clean end); without, it is dropped (the write path is being abandoned).
   * Never rejects: see throwIfFailed().
   */
  async finish(writePending: boolean): Promise<void> {
    this.#closed = true;
    if (!writePending) this.#pending = undefined;
    this.#hurry.abort();
    while (this.#running !== undefined) await this.#running;
  }

  throwIfFailed(): void {
    if (this.#failure !== undefined) throw this.#failure.error;
  }

  async #writeLoop(): Promise<void> {
    // Never end synchronously (a write that throws at once would): offer() assigns #running after this returns,
    // and the finally below must clear it after that, not before.
    await Promise.resolve();
    try {
      while (this.#pending !== undefined && this.#failure === undefined) {
        const waitMs = this.#lastStartedAt + this.#deps.minIntervalMs - this.#now();
        if (waitMs > 0 && !this.#hurry.signal.aborted) await this.#sleep(waitMs, this.#hurry.signal);
        const position = this.#pending;
        if (position === undefined) break; // dropped by finish(false) during the wait
        this.#pending = undefined;
        this.#lastStartedAt = this.#now();
        try {
          await this.#deps.write(position);
        } catch (error) {
          this.#failure = { error };
          this.#pending = undefined;
          this.#deps.onFailure?.();
          break;
        }
        this.#written = position;
        this.#deps.onMoved?.(position);
      }
    } finally {
      // Synchronously with the loop's last check, so an offer made after it starts a new loop.
      this.#running = undefined;
    }
  }
}
