// Keeps the figures the progress line, the metrics and `status` show: records read and written per second and,
// per shard, how far behind the newest record it is. "Behind" is 0 when the reader found nothing newer and
// everything read is written; otherwise it is the age of the newest written record, taken from the stream's
// ApproximateCreationDateTime (1 s resolution on AWS; DynamoDB Local rounds it down to the minute).
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

interface ShardState {
  recordsRead: number;
  recordsWritten: number;
  pending: number;
  checkpoint: string | undefined;
  atTip: boolean;
  newestWrittenAtMs: number | undefined;
}

export interface ProgressSnapshot {
  readonly recordsRead: number;
  readonly recordsWritten: number;
  readonly itemsWritten: number;
  readonly writeRetries: number;
  readonly readRetries: number;
  readonly shards: readonly ShardProgress[];
}

export class ProgressTracker {
  readonly #shards = new Map<string, ShardState>();
  readonly #now: () => number;
  #recordsRead = 0;
  #recordsWritten = 0;
  #itemsWritten = 0;
  #writeRetries = 0;
  #readRetries = 0;

  constructor(events: EventBus, now: () => number = Date.now) {
    this.#now = now;
    events.on('shard.started', ({ shardId }) => {
      this.#shards.set(shardId, {
        recordsRead: 0,
        recordsWritten: 0,
        pending: 0,
        checkpoint: undefined,
        atTip: false,
        newestWrittenAtMs: undefined,
      });
    });
    events.on('records.read', ({ shardId, count, atTip }) => {
      this.#recordsRead += count;
      const shard = this.#shards.get(shardId);
      if (shard === undefined) return;
      shard.recordsRead += count;
      shard.pending += count;
      shard.atTip = atTip;
    });
    events.on('batch.flushed', ({ shardId, records, puts, deletes, newestCreatedAtMs }) => {
      this.#recordsWritten += records;
      this.#itemsWritten += puts + deletes;
      const shard = this.#shards.get(shardId);
      if (shard === undefined) return;
      shard.recordsWritten += records;
      shard.pending -= records;
      if (newestCreatedAtMs !== undefined) shard.newestWrittenAtMs = newestCreatedAtMs;
    });
    events.on('checkpoint.moved', ({ shardId, checkpoint }) => {
      const shard = this.#shards.get(shardId);
      if (shard !== undefined) shard.checkpoint = checkpoint;
    });
    events.on('write.retried', () => (this.#writeRetries += 1));
    events.on('read.retried', () => (this.#readRetries += 1));
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
      shards,
    };
  }
}

function behindOf(shard: ShardState, now: number): number | undefined {
  if (shard.atTip && shard.pending === 0) return 0;
  return shard.newestWrittenAtMs === undefined ? undefined : Math.max(0, now - shard.newestWrittenAtMs);
}
