// One lease per shard, in the Kinesis Client Library's attribute names so that a KCL-era lease table (the
// seed's) can be read: leaseKey = shard id, leaseOwner, leaseCounter (bumped by every take and renewal),
// checkpoint (a sequence number, TRIM_HORIZON, LATEST or SHARD_END), checkpointSubSequenceNumber,
// ownerSwitchesSinceCheckpoint, parentShardId (SS). Ours on top: streamArn (detects a replaced stream),
// startingSequenceNumber (see below), pendingOwner (a worker asking for the lease in a graceful hand-over),
// lastRenewedAt, failoverMs and behindMs (wall-clock facts for `status` only; expiry itself is judged by
// counters, never by comparing clocks of two machines).

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
  /**
   * How far behind the newest record the owner was at its last renewal (0: caught up), so that `status` shows
   * every worker's lag from the lease table alone. Undefined while the owner knows nothing yet.
   */
  readonly behindMs: number | undefined;
  /**
   * The shard's first sequence number, kept for shards found after the task started: reading them from exactly
   * there (not from the oldest record left) turns records trimmed before they were read into an error.
   */
  readonly startingSequenceNumber: string | undefined;
}

/**
 * A live worker announces itself in the lease table (worker-presence.ts) whether or not it holds a
 * lease: `heartbeat` grows on every renewal round (every 2nd while it holds leases there: lease-pace.ts), so others
 * judge it gone the way they judge a lease expired.
 */
export interface WorkerPresence {
  readonly workerId: string;
  readonly heartbeat: number;
  /** Wall-clock facts for `status` only. */
  readonly lastSeenAt: number | undefined;
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
  startingSequenceNumber?: string,
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
    behindMs: undefined,
    startingSequenceNumber,
  };
}
