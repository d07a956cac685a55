// What a worker knows of a lease it holds, whatever the lease is for (a shard, a scan segment of a copy): when it
// was last renewed, and so how long it is surely still ours. Fencing rests on timing: another worker takes an
// unrenewed lease only after seeing it unchanged for the failover time, so this worker sends no write that could
// end later than its last successful renewal plus the failover time, minus a safety margin. A write waits for a
// renewal that is late rather than giving the lease up at once.
import { LeaseLostError } from '../errors/replicator-error.js';
import { sleep } from '../util/sleep.js';

export interface LeaseTiming {
  readonly failoverMs: number;
  /** Kept free at the end of the validity window for clock-rate differences and in-flight requests. */
  readonly safetyMs: number;
}

export abstract class HeldLease {
  /** Monotonic time at which the last successful take or renewal was sent. */
  #renewedAt: number;
  readonly #lost = new AbortController();
  /** Waiters for the next renewal (writes holding back while the validity left is short). */
  readonly #renewalWaiters: (() => void)[] = [];
  readonly #timing: LeaseTiming;
  protected readonly clock: () => number;

  protected constructor(renewedAt: number, timing: LeaseTiming, clock: () => number) {
    this.#renewedAt = renewedAt;
    this.#timing = timing;
    this.clock = clock;
  }

  /** What the lease is for, as errors name it (a shard id, `segment-3`). */
  protected abstract get leaseName(): string;

  /** Aborts when the lease is lost; every read and write under the lease listens to it. */
  get lostSignal(): AbortSignal {
    return this.#lost.signal;
  }

  get isLost(): boolean {
    return this.#lost.signal.aborted;
  }

  get lostReason(): string | undefined {
    const reason: unknown = this.#lost.signal.reason;
    return reason instanceof Error ? reason.message : undefined;
  }

  /** Milliseconds left before another worker could take the lease, as far as this worker can tell. */
  remainingMs(): number {
    return this.#renewedAt + this.#timing.failoverMs - this.#timing.safetyMs - this.clock();
  }

  /** Milliseconds since the last successful take or renewal was sent. */
  sinceRenewedMs(): number {
    return this.clock() - this.#renewedAt;
  }

  /**
   * Resolves once a request of up to `requestMs` started now would end while the lease is surely ours: at once
   * in the common case, after the next renewal when the validity left is short (a slow renewal round), and
   * throws LeaseLostError when the validity ran out (a frozen process, a lease table out of reach) or the lease
   * was lost. Resolves with the moment (performance.now()) of the check that passed: the request's deadline
   * counts from there, not from whenever the caller resumes, so a freeze right after the check is caught too.
   */
  async waitWritable(requestMs: number, signal?: AbortSignal): Promise<number> {
    for (;;) {
      if (this.isLost) throw new LeaseLostError(this.leaseName);
      const checkedAt = performance.now();
      const remaining = this.remainingMs();
      if (remaining >= requestMs) return checkedAt;
      if (remaining <= 0 || signal?.aborted === true) {
        if (remaining <= 0) this.markLost('lease validity ran out before it could be renewed');
        throw new LeaseLostError(this.leaseName);
      }
      const renewal = new Promise<void>((resolve) => this.#renewalWaiters.push(resolve));
      await Promise.race([renewal, sleep(remaining, signal)]);
    }
  }

  markLost(reason: string): void {
    if (!this.#lost.signal.aborted) this.#lost.abort(new LeaseLostError(this.leaseName, reason));
    for (const wake of this.#renewalWaiters.splice(0)) wake();
  }

  /** A renewal sent at `sentAt` succeeded: the validity window starts there. */
  protected markRenewed(sentAt: number): void {
    this.#renewedAt = sentAt;
    for (const wake of this.#renewalWaiters.splice(0)) wake();
  }
}
