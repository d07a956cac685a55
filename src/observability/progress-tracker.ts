// Keeps the figures the progress line, the metrics and `status` show: records read and written per second and,
// per shard, how far behind the newest record it is. "Behind" is 0 when the reader found nothing newer and
// everything read is written; otherwise it is the age of the newest written record, taken from the stream's
// ApproximateCreationDateTime (1 s resolution on AWS; DynamoDB Local rounds it down to the minute).
// For the health check it also keeps, per shard, when it last made progress (stalls(), health-check.ts).
import type { EventBus } from './events.js';

export interface ShardProgress {
  readonly shardId: string;
  readonly recordsRead: number;
  readonly recordsWritten: number;
  readonly checkpoint: string | undefined;
  readonly atTip: boolean;
  /** undefined while nothing is known yet. */
  readonly behindMs: number | undefined;
}

/** One held shard as the health check sees it (health-check.ts). */
export interface ShardStall {
  readonly shardId: string;
  /** At the tip with everything read written: nothing is known to wait. */
  readonly caughtUp: boolean;
  readonly behindMs: number | undefined;
  /** Records read and not yet written. */
  readonly pending: number;
  /** Since its last progress: a flush, a checkpoint, a read that found it caught up, or its start. */
  readonly sinceProgressMs: number;
  /** Since the first of the read retries under way; undefined while reads succeed. */
  readonly readsFailingForMs: number | undefined;
}

interface ShardState {
  recordsRead: number;
  recordsWritten: number;
  pending: number;
  checkpoint: string | undefined;
  atTip: boolean;
  newestWrittenAtMs: number | undefined;
  /** On the monotonic clock, as the two below. */
  progressAt: number;
  readsFailingSince: number | undefined;
}

export interface ProgressSnapshot {
  readonly recordsRead: number;
  readonly recordsWritten: number;
  readonly itemsWritten: number;
  readonly writeRetries: number;
  readonly readRetries: number;
  /** Changes this process stored in the dead-letter table (--on-reject dead-letter). */
  readonly deadLettered?: number;
  readonly shards: readonly ShardProgress[];
}

export class ProgressTracker {
  readonly #shards = new Map<string, ShardState>();
  readonly #now: () => number;
  readonly #monotonic: () => number;
  #recordsRead = 0;
  #recordsWritten = 0;
  #itemsWritten = 0;
  #writeRetries = 0;
  #readRetries = 0;
  #deadLettered = 0;

  /**
   * `now` is the wall clock the stream's creation times are on (for the lag); `monotonic` times progress, so that
   * a clock step never makes a shard look stalled.
   */
  constructor(
    events: EventBus,
    now: () => number = Date.now,
    monotonic: () => number = () => performance.now(),
  ) {
    this.#now = now;
    this.#monotonic = monotonic;
    events.on('shard.started', ({ shardId }) => {
      this.#shards.set(shardId, {
        recordsRead: 0,
        recordsWritten: 0,
        pending: 0,
        checkpoint: undefined,
        atTip: false,
        newestWrittenAtMs: undefined,
        // A shard just started has had no chance to move yet: its stall is timed from here.
        progressAt: this.#monotonic(),
        readsFailingSince: undefined,
      });
    });
    events.on('records.read', ({ shardId, count, atTip }) => {
      this.#recordsRead += count;
      const shard = this.#shards.get(shardId);
      if (shard === undefined) return;
      shard.recordsRead += count;
      shard.pending += count;
      shard.atTip = atTip;
      shard.readsFailingSince = undefined;
      // A read at the tip while records still wait to be written is no progress: the destination may be gone.
      if (atTip && shard.pending === 0) shard.progressAt = this.#monotonic();
    });
    events.on('read.retried', ({ shardId }) => {
      const shard = this.#shards.get(shardId);
      if (shard !== undefined) shard.readsFailingSince ??= this.#monotonic();
    });
    events.on('batch.flushed', ({ shardId, records, puts, deletes, newestCreatedAtMs }) => {
      this.#recordsWritten += records;
      this.#itemsWritten += puts + deletes;
      const shard = this.#shards.get(shardId);
      if (shard === undefined) return;
      shard.recordsWritten += records;
      shard.pending -= records;
      shard.progressAt = this.#monotonic();
      if (newestCreatedAtMs !== undefined) shard.newestWrittenAtMs = newestCreatedAtMs;
    });
    events.on('checkpoint.moved', ({ shardId, checkpoint }) => {
      const shard = this.#shards.get(shardId);
      if (shard === undefined) return;
      shard.checkpoint = checkpoint;
      shard.progressAt = this.#monotonic();
    });
    events.on('write.retried', () => (this.#writeRetries += 1));
    events.on('read.retried', () => (this.#readRetries += 1));
    events.on('records.dead-lettered', ({ count }) => (this.#deadLettered += count));
    const forget = ({ shardId }: { shardId: string }): void => {
      this.#shards.delete(shardId);
    };
    events.on('shard.ended', forget);
    events.on('shard.stopped', forget);
    events.on('lease.lost', forget);
  }

  /** One shard's lag now (see ShardProgress.behindMs); undefined for a shard this worker does not read. */
  behindMs(shardId: string): number | undefined {
    const shard = this.#shards.get(shardId);
    return shard === undefined ? undefined : behindOf(shard, this.#now());
  }

  /** Per shard read now: whether it is caught up and how long since it last moved (for the health check). */
  stalls(): ShardStall[] {
    const now = this.#now();
    const monotonic = this.#monotonic();
    return [...this.#shards.entries()].map(([shardId, s]) => ({
      shardId,
      caughtUp: s.atTip && s.pending === 0,
      behindMs: behindOf(s, now),
      pending: s.pending,
      sinceProgressMs: Math.max(0, monotonic - s.progressAt),
      readsFailingForMs:
        s.readsFailingSince === undefined ? undefined : Math.max(0, monotonic - s.readsFailingSince),
    }));
  }

  snapshot(): ProgressSnapshot {
    const now = this.#now();
    const shards = [...this.#shards.entries()].map(([shardId, s]) => {
      const behindMs = behindOf(s, now);
      const caughtUp = s.atTip && s.pending === 0;
      return {
        shardId,
        recordsRead: s.recordsRead,
        recordsWritten: s.recordsWritten,
        checkpoint: s.checkpoint,
        atTip: caughtUp,
        behindMs,
      };
    });
    return {
      recordsRead: this.#recordsRead,
      recordsWritten: this.#recordsWritten,
      itemsWritten: this.#itemsWritten,
      writeRetries: this.#writeRetries,
      readRetries: this.#readRetries,
      deadLettered: this.#deadLettered,
      shards,
    };
  }
}

function behindOf(shard: ShardState, now: number): number | undefined {
  if (shard.atTip && shard.pending === 0) return 0;
  return shard.newestWrittenAtMs === undefined ? undefined : Math.max(0, now - shard.newestWrittenAtMs);
}
