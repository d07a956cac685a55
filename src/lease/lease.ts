// One lease per shard, in the Kinesis Client Library's attribute names so that a KCL-era lease table (the
// seed's) can be read: leaseKey = shard id, leaseOwner, leaseCounter (bumped by every take and renewal),
// checkpoint (a sequence number, TRIM_HORIZON, LATEST or SHARD_END), checkpointSubSequenceNumber,
// ownerSwitchesSinceCheckpoint, parentShardId (SS). Ours on top: streamArn (detects a replaced stream),
// pendingOwner (a worker asking for the lease in a graceful hand-over), lastRenewedAt and failoverMs (wall-clock
// facts for `status` only; expiry itself is judged by counters, never by comparing clocks of two machines).

export const TRIM_HORIZON = 'TRIM_HORIZON';
export const LATEST = 'LATEST';
export const SHARD_END = 'SHARD_END';

export interface Lease {
  readonly leaseKey: string;
  readonly leaseOwner: string | undefined;
  readonly leaseCounter: number;
  readonly checkpoint: string;
  readonly checkpointSubSequenceNumber: number;
  readonly ownerSwitchesSinceCheckpoint: number;
  readonly parentShardIds: readonly string[];
  readonly streamArn: string | undefined;
  readonly pendingOwner: string | undefined;
  readonly lastRenewedAt: number | undefined;
  readonly failoverMs: number | undefined;
}

export function isFinished(lease: Pick<Lease, 'checkpoint'>): boolean {
  return lease.checkpoint === SHARD_END;
}

export function newLease(
  shardId: string,
  parentShardIds: readonly string[],
  checkpoint: string,
  streamArn: string,
): Lease {
  return {
    leaseKey: shardId,
    leaseOwner: undefined,
    leaseCounter: 0,
    checkpoint,
    checkpointSubSequenceNumber: 0,
    ownerSwitchesSinceCheckpoint: 0,
    parentShardIds,
    streamArn,
    pendingOwner: undefined,
    lastRenewedAt: undefined,
    failoverMs: undefined,
  };
}
