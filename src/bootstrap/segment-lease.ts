// A scan segment this worker copies, with the same fencing as a shard lease (src/lease/shard-lease.ts):
// another worker takes an unrenewed segment only after seeing it unchanged for the failover time, so this worker
// sends no write that could end later than its last successful renewal plus the failover time, minus a margin.
// That keeps a paused worker from writing scanned (older) images after the copy was finished by others and
// replication began. A write waits for a renewal that is late rather than giving the segment up at once.
import { LeaseLostError } from '../errors/replicator-error.js';
import { sleep } from '../util/sleep.js';
import type { CopySegment } from './bootstrap-items.js';

export interface SegmentLeaseTiming {
  readonly failoverMs: number;
  readonly safetyMs: number;
}

export class SegmentLease {
  #segment: CopySegment;
  #renewedAt: number;
  readonly #lost = new AbortController();
  readonly #renewalWaiters: (() => void)[] = [];
  readonly #timing: SegmentLeaseTiming;
  readonly #clock: () => number;

  constructor(segment: CopySegment, renewedAt: number, timing: SegmentLeaseTiming, clock: () => number) {
    this.#segment = segment;
    this.#renewedAt = renewedAt;
    this.#timing = timing;
    this.#clock = clock;
  }

  get segment(): CopySegment {
    return this.#segment;
  }

  get number(): number {
    return this.#segment.segment;
  }

  get lostSignal(): AbortSignal {
    return this.#lost.signal;
  }

  get isLost(): boolean {
    return this.#lost.signal.aborted;
  }

  remainingMs(): number {
    return this.#renewedAt + this.#timing.failoverMs - this.#timing.safetyMs - this.#clock();
  }

  /**
   * Resolves once a request of up to `requestMs` started now would end while the segment is ours: at once in
   * the common case, after the next renewal when the validity left is short; throws LeaseLostError when the
   * validity ran out (a frozen process, a lease table out of reach) or the segment was lost.
   */
  async waitWritable(requestMs: number, signal?: AbortSignal): Promise<void> {
    for (;;) {
      if (this.isLost) throw new LeaseLostError(`segment-${this.number}`);
      const remaining = this.remainingMs();
      if (remaining >= requestMs) return;
      if (remaining <= 0 || signal?.aborted === true) {
        if (remaining <= 0) this.markLost('segment lease ran out before it could be renewed');
        throw new LeaseLostError(`segment-${this.number}`);
      }
      const renewal = new Promise<void>((resolve) => this.#renewalWaiters.push(resolve));
      await Promise.race([renewal, sleep(remaining, signal)]);
    }
  }

  renewed(segment: CopySegment, sentAt: number): void {
    this.#segment = segment;
    this.#renewedAt = sentAt;
    for (const wake of this.#renewalWaiters.splice(0)) wake();
  }

  get lostReason(): string | undefined {
    const reason: unknown = this.#lost.signal.reason;
    return reason instanceof Error ? reason.message : undefined;
  }

  markLost(reason: string): void {
    if (!this.#lost.signal.aborted) this.#lost.abort(new LeaseLostError(`segment-${this.number}: ${reason}`));
    for (const wake of this.#renewalWaiters.splice(0)) wake();
  }
}
