// After the copy, before replication starts from the recorded positions: proves that the stream still holds
// every change after them. For a recorded sequence number, GetShardIterator AFTER_SEQUENCE_NUMBER answers
// TrimmedDataAccessException (or not-found for a shard gone) when a record after it was trimmed. A shard that
// had no records (TRIM_HORIZON), and a shard created during the copy, cannot be checked that way; they can only
// have lost records when the copy outlived the 24-hour retention, which the clock tells. Any loss is a
// DataLossError naming the shard: the copy is then not a consistent start (never a silent skip).
import { classifyError } from '../errors/classify-error.js';
import { DataLossError, StoppedError } from '../errors/replicator-error.js';
import { LATEST, SHARD_END, TRIM_HORIZON, type Lease } from '../lease/lease.js';
import type { StreamApi } from '../stream/stream-api.js';
import { backoffDelay, DEFAULT_BACKOFF } from '../util/backoff.js';
import { sleep } from '../util/sleep.js';
import { outlivedRetention } from './retention-warning.js';

export interface PositionCheckDeps {
  readonly api: StreamApi;
  readonly streamArn: string;
  /** The task's shard leases as they are now (the recorded positions, or later checkpoints). */
  readonly leases: readonly Lease[];
  readonly positionsRecordedAt: number;
  readonly now: number;
}

const START_OVER =
  'the destination misses changes made during the copy: start over with an empty destination and a new --task-name, with a faster copy (--max-write-rate, --max-read-rate, more workers)';

export async function checkRecordedPositions(deps: PositionCheckDeps, signal: AbortSignal): Promise<void> {
  const { api, streamArn } = deps;
  const lost: { shardId: string; position: string; gone: boolean }[] = [];
  for (const lease of deps.leases) {
    const position = lease.checkpoint;
    if (position === SHARD_END || position === TRIM_HORIZON || position === LATEST) continue;
    const verdict = await probe(api, streamArn, lease.leaseKey, position, signal);
    if (verdict !== 'ok') lost.push({ shardId: lease.leaseKey, position, gone: verdict === 'gone' });
  }
  const first = lost[0];
  if (first !== undefined) {
    const more = lost.length > 1 ? ` (and ${lost.length - 1} more shards)` : '';
    const what = first.gone
      ? `shard ${first.shardId} is gone from the stream while the copy was to be followed by its records after ${first.position}`
      : `records of shard ${first.shardId} after ${first.position}, the position recorded before the copy, were trimmed from the stream (24-hour retention)`;
    throw new DataLossError(first.shardId, `data lost: ${what}${more} before the copy ended; ${START_OVER}`);
  }
  if (!outlivedRetention(deps.positionsRecordedAt, deps.now)) return;
  // Past the retention: shards whose records after the recording cannot be proven to be all there.
  const { shards } = await api.listShards(streamArn, signal);
  const known = new Map(deps.leases.map((lease) => [lease.leaseKey, lease.checkpoint]));
  const unproven = shards.filter((shard) => {
    const checkpoint = known.get(shard.shardId);
    return checkpoint === undefined || checkpoint === TRIM_HORIZON || checkpoint === LATEST;
  });
  const shard = unproven[0];
  if (shard !== undefined) {
    const hours = ((deps.now - deps.positionsRecordedAt) / 3_600_000).toFixed(1);
    throw new DataLossError(
      shard.shardId,
      `data may be lost: the copy ended ${hours} h after the stream positions were recorded, past the stream's 24-hour retention, and records of shard ${shard.shardId}${unproven.length > 1 ? ` (and ${unproven.length - 1} more)` : ''} written during the copy may have been trimmed; ${START_OVER}`,
    );
  }
}

async function probe(
  api: StreamApi,
  streamArn: string,
  shardId: string,
  sequenceNumber: string,
  signal: AbortSignal,
): Promise<'ok' | 'trimmed' | 'gone'> {
  for (let attempt = 0; ; attempt++) {
    if (signal.aborted) throw new StoppedError();
    try {
      await api.getShardIterator(
        streamArn,
        shardId,
        { type: 'AFTER_SEQUENCE_NUMBER', sequenceNumber },
        signal,
      );
      return 'ok';
    } catch (err) {
      if (signal.aborted) throw new StoppedError();
      const verdict = classifyError(err);
      if (verdict.kind === 'trimmed') return 'trimmed';
      if (verdict.kind === 'fatal' && verdict.reason === 'not-found') return 'gone';
      if (verdict.kind !== 'retriable') throw err;
      await sleep(backoffDelay(attempt, DEFAULT_BACKOFF), signal);
    }
  }
}
