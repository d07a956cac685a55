// Pure: which leases shard discovery must create, and where each starts. On the very first sync of a task
// (an empty lease table) the chosen start position applies: trim-horizon reads every shard from its oldest
// record; latest marks closed shards finished and starts open ones at their newest record. Afterwards every
// new shard is a child of one already tracked (or appeared while we ran), so it is read from its start:
// starting a child at LATEST would silently skip the records written before we saw it. Such leases keep the
// shard's first sequence number, so that records trimmed before they were read are an error, not a skip.
import type { StartPosition } from '../config/replication-config.js';
import type { ShardInfo } from '../stream/shard-info.js';
import { LATEST, newLease, SHARD_END, TRIM_HORIZON, type Lease } from './lease.js';

export function leasesToCreate(
  shards: readonly ShardInfo[],
  existing: readonly Pick<Lease, 'leaseKey'>[],
  startPosition: StartPosition,
  streamArn: string,
): Lease[] {
  const known = new Set(existing.map((lease) => lease.leaseKey));
  const firstSync = known.size === 0;
  return shards
    .filter((shard) => !known.has(shard.shardId))
    .map((shard) => {
      if (firstSync) {
        const checkpoint =
          startPosition === 'latest'
            ? shard.endingSequenceNumber === undefined
              ? LATEST
              : SHARD_END
            : TRIM_HORIZON;
        return newLease(shard.shardId, shard.parentShardIds, checkpoint, streamArn);
      }
      // Found while the task runs: every record of it is ours to replicate, from its very first one.
      return newLease(
        shard.shardId,
        shard.parentShardIds,
        TRIM_HORIZON,
        streamArn,
        shard.startingSequenceNumber,
      );
    });
}

/** Leases that belong to another stream of the table (disabled and re-enabled since they were written). */
export function foreignLeases(leases: readonly Lease[], streamArn: string): Lease[] {
  return leases.filter((lease) => lease.streamArn !== undefined && lease.streamArn !== streamArn);
}
