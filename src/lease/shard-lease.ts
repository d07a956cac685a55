// A lease this worker holds, as the shard pipeline sees it: a signal that fires when the lease is lost, a
// fencing check before every write (held-lease.ts), and a checkpoint that only lands while the lease is still
// ours.
import { classifyError } from '../errors/classify-error.js';
import { LeaseLostError } from '../errors/replicator-error.js';
import { backoffDelay, DEFAULT_BACKOFF } from '../util/backoff.js';
import { sleep } from '../util/sleep.js';
import { HeldLease, type LeaseTiming } from './held-lease.js';
import type { Lease } from './lease.js';
import type { LeaseStore } from './lease-store.js';

export type { LeaseTiming } from './held-lease.js';

export class ShardLease extends HeldLease {
  #lease: Lease;
  readonly #store: LeaseStore;
  readonly #workerId: string;

  constructor(
    lease: Lease,
    renewedAt: number,
    deps: { store: LeaseStore; workerId: string; timing: LeaseTiming; clock: () => number },
  ) {
    super(renewedAt, deps.timing, deps.clock);
    this.#lease = lease;
    this.#store = deps.store;
    this.#workerId = deps.workerId;
  }

  protected get leaseName(): string {
    return this.shardId;
  }

  get shardId(): string {
    return this.#lease.leaseKey;
  }

  get lease(): Lease {
    return this.#lease;
  }

  renewed(lease: Lease, sentAt: number): void {
    this.#lease = lease;
    this.markRenewed(sentAt);
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
