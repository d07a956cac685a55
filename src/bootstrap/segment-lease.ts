// A scan segment this worker copies, with the same fencing as a shard lease (src/lease/held-lease.ts). That keeps
// a paused worker from writing scanned (older) images after the copy was finished by others and replication
// began.
import { HeldLease, type LeaseTiming } from '../lease/held-lease.js';
import type { CopySegment } from './bootstrap-items.js';

export class SegmentLease extends HeldLease {
  #segment: CopySegment;

  constructor(segment: CopySegment, renewedAt: number, timing: LeaseTiming, clock: () => number) {
    super(renewedAt, timing, clock);
    this.#segment = segment;
  }

  protected get leaseName(): string {
    return `segment-${this.number}`;
  }

  get segment(): CopySegment {
    return this.#segment;
  }

  get number(): number {
    return this.#segment.segment;
  }

  renewed(segment: CopySegment, sentAt: number): void {
    this.#segment = segment;
    this.markRenewed(sentAt);
  }
}
