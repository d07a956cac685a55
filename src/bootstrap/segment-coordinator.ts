// Shares the scan segments of a copy among the workers of a fleet through the lease table, as the lease
// coordinator shares shards: a take loop reads the segment items, tracks expiry by watching counters, takes
// free segments up to this worker's slots and starts a copier for each; a renew loop bumps the counter of each
// held segment on a heartbeat. Ends when every segment is done, or on a stop (held segments are released so
// another worker, or a restart, resumes them at once), or on a copier's fatal error.
import type { Logger } from 'pino';
import { classifyError } from '../errors/classify-error.js';
import { errorMessage } from '../errors/replicator-error.js';
import { ExpiryTracker } from '../lease/expiry-tracker.js';
import { leaseTiming } from '../lease/lease-timing.js';
import { sleep } from '../util/sleep.js';
import { Wakeup } from '../util/wakeup.js';
import type { CopySegment } from './bootstrap-items.js';
import { chooseSegmentsToTake, workersCopying } from './segment-decision.js';
import { SegmentLease } from './segment-lease.js';
import type { SegmentStore } from './segment-store.js';
import type { CopyOutcome } from './segment-copier.js';

export interface SegmentCoordinatorDeps {
  readonly store: SegmentStore;
  readonly workerId: string;
  readonly failoverMs: number;
  /** Segments this worker copies at once. */
  readonly slots: number;
  readonly logger: Logger;
  /** Level of the per-segment lines (taken, copied). */
  readonly segmentLogLevel?: 'info' | 'debug';
  readonly clock?: () => number;
  readonly copy: (lease: SegmentLease, signal: AbortSignal) => Promise<CopyOutcome>;
  /** Told what the lease table shows at every look, and how many workers copy now. */
  readonly onListed: (segments: readonly CopySegment[], workers: number) => void;
}

export interface CoordinatorSummary {
  readonly outcome: 'done' | 'stopped';
  /** Segments this worker copied to their end. */
  readonly segmentsCopied: number;
}

export class SegmentCoordinator {
  readonly #deps: SegmentCoordinatorDeps;
  readonly #clock: () => number;
  readonly #expiry: ExpiryTracker;
  readonly #held = new Map<number, { lease: SegmentLease; done: Promise<void> }>();
  readonly #look = new Wakeup();
  readonly #stopCopies = new AbortController();
  #failure: Error | undefined;
  #segmentsCopied = 0;

  constructor(deps: SegmentCoordinatorDeps) {
    this.#deps = deps;
    this.#clock = deps.clock ?? (() => performance.now());
    this.#expiry = new ExpiryTracker(deps.failoverMs);
  }

  async run(signal: AbortSignal): Promise<CoordinatorSummary> {
    const renew = new AbortController();
    const renewing = this.#renewLoop(renew.signal);
    let allDone = false;
    try {
      allDone = await this.#takeLoop(signal);
    } finally {
      // When every segment is done, copiers still running are only returning (one may be awaiting the answer
      // to its final save): let them, so that none is mistaken for a stopped one. Otherwise stop them.
      if (!allDone) this.#stopCopies.abort();
      await Promise.all([...this.#held.values()].map((h) => h.done));
      renew.abort();
      await renewing;
    }
    if (this.#failure !== undefined) throw this.#failure;
    return { outcome: allDone ? 'done' : 'stopped', segmentsCopied: this.#segmentsCopied };
  }

  async #takeLoop(signal: AbortSignal): Promise<boolean> {
    const { store, workerId, slots, logger } = this.#deps;
    const intervalMs = Math.round(this.#deps.failoverMs / 5);
    while (!signal.aborted && this.#failure === undefined) {
      let segments: readonly CopySegment[];
      try {
        segments = (await store.read(signal)).segments;
      } catch (err) {
        if (signal.aborted) return false;
        if (classifyError(err).kind !== 'retriable') throw err;
        logger.warn({ err: errorMessage(err) }, 'reading the copy segments failed; retrying');
        await sleep(intervalMs, signal);
        continue;
      }
      if (segments.length > 0 && segments.every((s) => s.done)) return true;
      const expired = this.#expiry.observe(
        segments.map((s) => ({ ...s, leaseKey: String(s.segment) })),
        this.#clock(),
      );
      const expiredNumbers = new Set([...expired].map(Number));
      const choice = chooseSegmentsToTake({
        segments,
        workerId,
        held: new Set(this.#held.keys()),
        expired: expiredNumbers,
        slots,
      });
      for (const seen of choice) {
        if (signal.aborted) break;
        const sentAt = this.#clock();
        const taken = await store.take(seen, workerId, signal).catch((err: unknown) => {
          if (classifyError(err).kind !== 'retriable' && !signal.aborted) throw err;
          return undefined;
        });
        if (taken === undefined) continue; // another worker was faster
        this.#start(taken, sentAt, seen.leaseOwner);
      }
      this.#deps.onListed(segments, workersCopying(segments, workerId, this.#held.size > 0, expiredNumbers));
      await this.#look.wait(signal, intervalMs);
    }
    return false;
  }

  #start(segment: CopySegment, sentAt: number, previousOwner: string | undefined): void {
    const { logger, workerId, store } = this.#deps;
    const lease = new SegmentLease(segment, sentAt, leaseTiming(this.#deps.failoverMs), this.#clock);
    const level = this.#deps.segmentLogLevel ?? 'info';
    logger[level](
      {
        segment: segment.segment,
        previousOwner,
        resumed: segment.lastEvaluatedKey !== undefined,
        itemsBefore: segment.itemsCopied,
      },
      'segment taken',
    );
    const done = this.#deps
      .copy(lease, this.#stopCopies.signal)
      .then(async (outcome) => {
        if (outcome === 'done') {
          this.#segmentsCopied += 1;
          logger[level]({ segment: segment.segment }, 'segment copied');
        } else if (outcome === 'lost') {
          logger.warn({ segment: segment.segment, reason: lease.lostReason }, 'segment lost');
        } else {
          // Stopped: hand it back so that another worker (or a restart) resumes it without waiting.
          lease.markLost('released');
          await store.release(segment.segment, workerId).catch((err: unknown) => {
            logger.warn({ segment: segment.segment, err: errorMessage(err) }, 'could not release segment');
          });
        }
      })
      .catch((err: unknown) => {
        this.#failure ??= err instanceof Error ? err : new Error(String(err));
        this.#stopCopies.abort();
      })
      .finally(() => {
        this.#held.delete(segment.segment);
        this.#look.notify();
      });
    this.#held.set(segment.segment, { lease, done });
  }

  async #renewLoop(signal: AbortSignal): Promise<void> {
    const { store, workerId, logger } = this.#deps;
    while (!signal.aborted) {
      await sleep(Math.round(this.#deps.failoverMs / 5), signal);
      if (signal.aborted) return;
      await Promise.all(
        [...this.#held.values()].map(async ({ lease }) => {
          if (lease.isLost) return;
          const sentAt = this.#clock();
          try {
            const renewed = await store.renew(lease.segment, workerId, signal);
            if (renewed === undefined) lease.markLost('another worker took the segment');
            else lease.renewed(renewed, sentAt);
          } catch (err) {
            if (signal.aborted) return;
            logger.warn(
              { segment: lease.number, err: errorMessage(err) },
              'segment renewal failed; retrying',
            );
          }
          if (lease.remainingMs() <= 0) lease.markLost('not renewed within the failover time');
        }),
      );
    }
  }
}
