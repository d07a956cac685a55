// Records where replication will start after the copy, before the copy starts: one lease per shard of the
// source stream, created as the first shard sync would, with these checkpoints:
// - a closed shard: SHARD_END (every change in it is older than the copy, so the scan sees its effect);
// - an open shard: the sequence number of the newest record it holds now, found by reading it from TRIM_HORIZON
//   until a page comes back short of the limit (empty, or the last records before the tip); stopping short of
//   the true tip only replays more, and overshooting is impossible (a position is a record that was read);
// - an open shard without records: TRIM_HORIZON.
import type { Logger } from 'pino';
import { classifyError } from '../errors/classify-error.js';
import { StoppedError } from '../errors/replicator-error.js';
import { newLease, SHARD_END, TRIM_HORIZON } from '../lease/lease.js';
import type { ReadPosition, ShardInfo } from '../stream/shard-info.js';
import type { StreamApi } from '../stream/stream-api.js';
import { backoffDelay, DEFAULT_BACKOFF, type BackoffPolicy } from '../util/backoff.js';
import { sleep } from '../util/sleep.js';
import type { SegmentStore } from './segment-store.js';

export interface StreamPositionDeps {
  readonly api: StreamApi;
  readonly streamArn: string;
  /** GetRecords limit. */
  readonly batchSize: number;
  readonly store: SegmentStore;
  readonly logger: Logger;
  readonly backoff?: BackoffPolicy;
  /** Shards read at once. */
  readonly concurrency?: number;
}

export interface RecordedPositions {
  /** False when another worker had already finished recording (this worker's positions were not needed). */
  readonly complete: boolean;
  /** shard id -> checkpoint, for the shards whose lease this worker created. */
  readonly recorded: Record<string, string>;
  readonly shards: number;
}

/** The newest sequence number of a shard (undefined when it has no records), or 'gone' when it left the stream. */
export async function newestSequenceNumber(
  deps: Pick<StreamPositionDeps, 'api' | 'streamArn' | 'batchSize' | 'backoff'>,
  shardId: string,
  signal: AbortSignal,
): Promise<{ readonly newest: string | undefined } | 'gone'> {
  const { api, streamArn, batchSize } = deps;
  let newest: string | undefined;
  let attempt = 0;
  const from = (): ReadPosition =>
    newest === undefined
      ? { type: 'TRIM_HORIZON' }
      : { type: 'AFTER_SEQUENCE_NUMBER', sequenceNumber: newest };
  let iterator: string | undefined;
  let needIterator = true;
  for (;;) {
    if (signal.aborted) throw new StoppedError();
    try {
      if (needIterator) {
        iterator = await api.getShardIterator(streamArn, shardId, from(), signal);
        needIterator = false;
      }
      if (iterator === undefined) return { newest };
      const page = await api.getRecords(iterator, batchSize, signal);
      attempt = 0;
      const last = page.records.at(-1)?.dynamodb?.SequenceNumber;
      if (last !== undefined) newest = last;
      // Short of a full page: at the tip as it was a moment ago. A closed shard: read to its end.
      if (page.records.length < batchSize || page.nextIterator === undefined) return { newest };
      iterator = page.nextIterator;
    } catch (err) {
      if (signal.aborted) throw new StoppedError();
      const verdict = classifyError(err);
      if (verdict.kind === 'fatal' && verdict.reason === 'not-found') return 'gone';
      if (verdict.kind === 'trimmed') {
        // Records were trimmed under the reader: what is left is newer, and any record of it is a valid
        // position. Read again from the new horizon.
        newest = undefined;
      } else if (verdict.kind !== 'retriable' && verdict.kind !== 'expired-iterator') {
        throw err;
      }
      needIterator = true;
      if (verdict.kind === 'retriable')
        await sleep(backoffDelay(attempt++, deps.backoff ?? DEFAULT_BACKOFF), signal);
    }
  }
}

/** Where replication of `shard` starts after the copy (see the file comment); undefined if it is gone. */
export async function positionOf(
  deps: StreamPositionDeps,
  shard: ShardInfo,
  signal: AbortSignal,
): Promise<string | undefined> {
  if (shard.endingSequenceNumber !== undefined) return SHARD_END;
  const found = await newestSequenceNumber(deps, shard.shardId, signal);
  if (found === 'gone') return undefined;
  return found.newest ?? TRIM_HORIZON;
}

export async function recordStreamPositions(
  deps: StreamPositionDeps,
  signal: AbortSignal,
): Promise<RecordedPositions> {
  const { shards } = await deps.api.listShards(deps.streamArn, signal);
  const recorded: Record<string, string> = {};
  const queue = [...shards];
  let tooLate = false;
  const recordOne = async (shard: ShardInfo): Promise<void> => {
    const checkpoint = await positionOf(deps, shard, signal);
    if (checkpoint === undefined) {
      deps.logger.info({ shardId: shard.shardId }, 'shard left the stream while positions were recorded');
      return;
    }
    const lease = newLease(shard.shardId, shard.parentShardIds, checkpoint, deps.streamArn);
    for (let attempt = 0; ; attempt++) {
      const outcome = await deps.store.recordPosition(lease, signal);
      if (outcome === 'recorded') recorded[shard.shardId] = checkpoint;
      if (outcome === 'too-late') tooLate = true;
      if (outcome !== 'conflict') return;
      await sleep(backoffDelay(attempt, deps.backoff ?? DEFAULT_BACKOFF), signal);
    }
  };
  const lanes = Array.from({ length: Math.min(deps.concurrency ?? 8, queue.length) }, async () => {
    for (let shard = queue.shift(); shard !== undefined && !tooLate; shard = queue.shift()) {
      await recordOne(shard);
    }
  });
  await Promise.all(lanes);
  if (signal.aborted) throw new StoppedError();
  return { complete: !tooLate, recorded, shards: shards.length };
}
