// --repair: makes the destination hold what the source holds for each key found drifted, with the replicator's
// own TableWriter (BatchWriteItem, retries): a put of the source's item as the last consistent read saw it, or
// a delete where the source has no item. Writes are paced by --max-write-rate. A write the destination refuses
// (validation) is retried alone to name its key, counted as failed, and the repair goes on; a missing table or
// refused access stops the run.
import { StoppedError, errorMessage } from '../errors/replicator-error.js';
import type { ChangeRecord } from '../stream/change-record.js';
import { WriteFailedError, type TableWriter } from '../writer/table-writer.js';
import { MAX_BATCH_WRITE } from '../writer/write-plan.js';
import type { Item } from './item-compare.js';
import type { MeteredRateLimiter } from './metered-rate-limiter.js';
import type { Drift } from './rechecker.js';

export interface RepairFailure {
  readonly key: Item;
  readonly error: string;
}

export interface RepairStats {
  /** Items put (missing or different). */
  readonly written: number;
  /** Extra items deleted. */
  readonly deleted: number;
  readonly failed: number;
  /** The first few failures. */
  readonly failures: readonly RepairFailure[];
}

const KEPT_FAILURES = 10;

export class Repairer {
  readonly #writer: TableWriter;
  readonly #limiter: MeteredRateLimiter;
  readonly #batchSize: number;
  #buffer: Drift[] = [];
  #written = 0;
  #deleted = 0;
  #failed = 0;
  readonly #failures: RepairFailure[] = [];

  constructor(writer: TableWriter, limiter: MeteredRateLimiter) {
    this.#writer = writer;
    this.#limiter = limiter;
    this.#batchSize = Math.min(MAX_BATCH_WRITE, limiter.maxRequest);
  }

  async add(drift: Drift, signal: AbortSignal): Promise<void> {
    this.#buffer.push(drift);
    if (this.#buffer.length >= this.#batchSize) await this.flush(signal);
  }

  async flush(signal: AbortSignal): Promise<void> {
    while (this.#buffer.length > 0) {
      const batch = this.#buffer.slice(0, this.#batchSize);
      this.#buffer = this.#buffer.slice(this.#batchSize);
      await this.#limiter.take(batch.length, signal);
      if (signal.aborted) throw new StoppedError();
      try {
        await this.#writer.write(batch.map(toChange), { signal });
        for (const drift of batch) this.#count(drift);
      } catch (err) {
        if (!isItemRefusal(err)) throw err;
        // Which one was refused? Each again on its own (a put or delete twice is harmless).
        for (const drift of batch) await this.#writeOne(drift, signal);
      }
    }
  }

  stats(): RepairStats {
    return {
      written: this.#written,
      deleted: this.#deleted,
      failed: this.#failed,
      failures: [...this.#failures],
    };
  }

  async #writeOne(drift: Drift, signal: AbortSignal): Promise<void> {
    try {
      await this.#writer.write([toChange(drift)], { signal });
      this.#count(drift);
    } catch (err) {
      if (!isItemRefusal(err)) throw err;
      this.#failed += 1;
      if (this.#failures.length < KEPT_FAILURES) {
        this.#failures.push({ key: drift.key, error: errorMessage(err) });
      }
    }
  }

  #count(drift: Drift): void {
    if (drift.source === undefined) this.#deleted += 1;
    else this.#written += 1;
  }
}

/** A refusal of particular items; a missing table or refused access stops the repair instead. */
function isItemRefusal(err: unknown): err is WriteFailedError {
  return err instanceof WriteFailedError && (err.reason === 'validation' || err.reason === 'other');
}

function toChange(drift: Drift): ChangeRecord {
  return {
    sequenceNumber: '0',
    eventName: drift.source === undefined ? 'REMOVE' : 'MODIFY',
    keys: drift.key,
    newImage: drift.source,
    createdAtMs: undefined,
    sizeBytes: 0,
  };
}
