// A lease this worker holds, as the shard pipeline sees it: a signal that fires when the lease is lost, a
// fencing check before every write, and a checkpoint that only lands while the lease is still ours.
// Fencing rests on timing: another worker takes an unrenewed lease only after seeing it unchanged for the
// failover time, so this worker stops sending writes well before its last successful renewal plus the
// failover time (minus a safety margin) has passed.
import { classifyError } from '../errors/classify-error.js';
import { LeaseLostError } from '../errors/replicator-error.js';
import { backoffDelay, DEFAULT_BACKOFF } from '../util/backoff.js';
import { sleep } from '../util/sleep.js';
import type { Lease } from './lease.js';
import type { LeaseStore } from './lease-store.js';

export interface LeaseTiming {
  readonly failoverMs: number;
  /** Kept free at the end of the validity window for clock-rate differences and in-flight requests. */
  readonly safetyMs: number;
}

export class ShardLease {
  #lease: Lease;
  /** Monotonic time at which the last successful take or renewal was sent. */
  #renewedAt: number;
  readonly #lost = new AbortController();
  /** Waiters for the next renewal (writes holding back while the validity left is short). */
  #renewalWaiters: (() => void)[] = [];
  readonly #store: LeaseStore;
  readonly #workerId: string;
  readonly #timing: LeaseTiming;
  readonly #clock: () => number;

  constructor(
    lease: Lease,
    renewedAt: number,
    deps: { store: LeaseStore; workerId: string; timing: LeaseTiming; clock: () => number },
  ) {
    this.#lease = lease;
    this.#renewedAt = renewedAt;
    this.#store = deps.store;
    this.#workerId = deps.workerId;
    this.#timing = deps.timing;
    this.#clock = deps.clock;
  }

  get shardId(): string {
    return this.#lease.leaseKey;
  }

  get lease(): Lease {
    return this.#lease;
  }

  /** Aborts when the lease is lost; every read and write of the shard listens to it. */
  get lostSignal(): AbortSignal {
    return this.#lost.signal;
  }

  get isLost(): boolean {
    return this.#lost.signal.aborted;
  }

  /** Milliseconds left before another worker could take the lease, as far as this worker can tell. */
  remainingMs(): number {
    return this.#renewedAt + this.#timing.failoverMs - this.#timing.safetyMs - this.#clock();
  }

  /**
   * Resolves once a request of up to `requestMs` started now would end while the lease is surely ours: at once
   * in the common case, after the next renewal when the validity left is short (a slow renewal round), and
   * throws LeaseLostError when the validity ran out (a frozen process, a lease table out of reach).
   */
  async waitWritable(requestMs: number, signal?: AbortSignal): Promise<void> {
    for (;;) {
      if (this.isLost) throw new LeaseLostError(this.shardId);
      const remaining = this.remainingMs();
      if (remaining >= requestMs) return;
      if (remaining <= 0 || signal?.aborted === true) {
        if (remaining <= 0) this.markLost('lease validity ran out before it could be renewed');
        throw new LeaseLostError(this.shardId);
      }
      const renewal = new Promise<void>((resolve) => this.#renewalWaiters.push(resolve));
      await Promise.race([renewal, sleep(remaining, signal)]);
    }
  }

  renewed(lease: Lease, sentAt: number): void {
    this.#lease = lease;
    this.#renewedAt = sentAt;
    for (const wake of this.#renewalWaiters.splice(0)) wake();
  }

  markLost(reason: string): void {
    if (!this.#lost.signal.aborted) this.#lost.abort(new LeaseLostError(this.shardId, reason));
    for (const wake of this.#renewalWaiters.splice(0)) wake();
  }

  get lostReason(): string | undefined {
    const reason: unknown = this.#lost.signal.reason;
    return reason instanceof Error ? reason.message : undefined;
  }

  /**
   * Moves the checkpoint; throws LeaseLostError when the lease table says another worker owns the shard.
   * A lease table that is briefly unreachable is retried while the lease is still valid.
   */
  async checkpoint(value: string, signal?: AbortSignal): Promise<void> {
    let ok: boolean;
    for (let attempt = 0; ; attempt++) {
      if (this.isLost) throw new LeaseLostError(this.shardId);
      try {
        // A hung checkpoint must end when the lease is lost, or its pipeline would outlive the lease.
        const stop = signal === undefined ? this.lostSignal : AbortSignal.any([signal, this.lostSignal]);
        ok = await this.#store.checkpoint(this.shardId, this.#workerId, value, stop);
        break;
      } catch (err) {
        if (this.isLost) throw new LeaseLostError(this.shardId);
        if (classifyError(err).kind !== 'retriable' || signal?.aborted === true) throw err;
        if (this.remainingMs() <= 0) {
          this.markLost('checkpoint could not be written within the lease validity');
          throw new LeaseLostError(this.shardId);
        }
        await sleep(backoffDelay(attempt, DEFAULT_BACKOFF), signal);
      }
    }
    if (!ok) {
      this.markLost('checkpoint refused: another worker owns the lease');
      throw new LeaseLostError(this.shardId);
    }
    this.#lease = { ...this.#lease, checkpoint: value, ownerSwitchesSinceCheckpoint: 0 };
  }
}
