// The seam for a flush that is not written to a destination table as puts and deletes: a sink receives every
// flush of a shard (at most one change per key, in order, fenced by the lease through `beforeSend`) and resolves
// once all of it is durable wherever it goes; the checkpoint then moves past it, as after a table write. Two-way
// replication (conditional writes to both tables) and spool mode (the changes kept in a table of ours during a
// long copy) are sinks. A sink replaces the destination writer, its rules, fan-out and dead letters.
import type { ChangeRecord } from '../stream/change-record.js';
import type { WriteOptions, WriteOutcome } from './table-writer.js';

export interface ChangeSink {
  /** The table it writes, for logs and metrics. */
  readonly tableName: string;
  /** Whether the records must carry old images (the stream's view type is checked at start either way). */
  readonly needsOldImages: boolean;
  /** Whether each change must carry the changes of its key that squashing replaced (ChangeRecord.earlier). */
  readonly needsEarlier?: boolean;
  /**
   * Writes one flush; resolves once every change is durable, rejects (a WriteFailedError for a fatal cause) if
   * it cannot be. Must honour `options.signal` and call `options.beforeSend` before every request.
   */
  write(changes: readonly ChangeRecord[], options: WriteOptions): Promise<WriteOutcome>;
}
