// The lease table's operations, as the coordinator, the shard pipelines and shard discovery see them; the one
// implementation over DynamoDB is DynamoLeaseStore (dynamo-lease-store.ts). Every change is a conditional write,
// and a failed condition is a result ("someone else changed it"), never an exception.
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { Lease, WorkerPresence } from './lease.js';
import type { TaskFailure } from './task-failure.js';

/**
 * Items of a bootstrap copy (src/bootstrap/: its task and its scan segments) share the lease table under keys
 * with this prefix, which no shard id has. They are not shard leases: `list()` leaves them out.
 */
export const BOOTSTRAP_KEY_PREFIX = 'bootstrap#';

export interface Fleet {
  readonly leases: Lease[];
  readonly workers: WorkerPresence[];
  /** A bootstrap copy's items, as stored (the bootstrap code reads them), for `status`. */
  readonly copyItems: Record<string, AttributeValue>[];
  /** Workers whose task failed (task-failure.ts). */
  readonly failures: TaskFailure[];
}

/** What a transaction of renewals did: renewed them all, or none, because of the parts `refused`. */
export type RenewAllOutcome = { readonly renewed: Lease[] } | { readonly refused: readonly number[] };

export interface LeaseStore {
  readonly tableName: string;
  /** Creates the table (on-demand billing) if it is missing and waits until it is active. */
  ensureTable(signal?: AbortSignal): Promise<{ created: boolean }>;
  /** The shard leases. */
  list(signal?: AbortSignal): Promise<Lease[]>;
  /** The shard leases and the workers' presence items, in one read. */
  listFleet(signal?: AbortSignal): Promise<Fleet>;
  /** Says this worker is alive (creates its presence item, or bumps its heartbeat). */
  heartbeat(workerId: string, signal?: AbortSignal): Promise<void>;
  /**
   * Deletes a worker's presence item: this worker's own on a clean stop, or another's that has not moved for the
   * failover time (only if its heartbeat is still `seenHeartbeat`, so a worker that came back stays).
   */
  removeWorker(workerId: string, seenHeartbeat?: number, signal?: AbortSignal): Promise<boolean>;
  /** Creates the lease unless one exists for the shard. */
  create(lease: Lease, signal?: AbortSignal): Promise<boolean>;
  /**
   * Creates every lease of `leases` in one transaction, each unless one exists for its shard: all of them or none.
   * False when any exists (or another transaction was writing one of them): nothing was created then.
   */
  createAll(leases: readonly Lease[], signal?: AbortSignal): Promise<boolean>;
  /** Makes `owner` the owner, if the lease is still as seen (counter). Returns the lease as taken. */
  take(seen: Lease, owner: string, signal?: AbortSignal): Promise<Lease | undefined>;
  /**
   * Takes every lease of `seen` (each still as seen) in one transaction: all of them or none. Returns them as
   * taken, or undefined when any of them was not as seen (nothing was taken then).
   */
  takeAll(seen: readonly Lease[], owner: string, signal?: AbortSignal): Promise<Lease[] | undefined>;
  /**
   * Bumps the counter, if `seen.leaseOwner` still holds it at `seen.leaseCounter`, and records the owner's lag
   * (`behindMs`; none given: removed, as a lease just taken has no lag of its new owner's yet).
   */
  renew(seen: Lease, signal?: AbortSignal, behindMs?: number): Promise<Lease | undefined>;
  /**
   * Renews every lease of `seen` (each as `renew` does, and only if no other worker asked for it) in one
   * transaction: all of them or none. Returns them as renewed, or the places in `seen` of those that were not as
   * seen, were asked for, or met another write (nothing was renewed then).
   */
  renewAll(
    seen: readonly { readonly lease: Lease; readonly behindMs?: number | undefined }[],
    signal?: AbortSignal,
  ): Promise<RenewAllOutcome>;
  /** Moves the checkpoint, if `owner` still holds the lease. */
  checkpoint(shardId: string, owner: string, checkpoint: string, signal?: AbortSignal): Promise<boolean>;
  /** Gives the lease up, if `owner` still holds it, so another worker can take it at once. True once it is
   *  released, also when an earlier attempt of the same call was applied and its answer lost. */
  release(shardId: string, owner: string, signal?: AbortSignal): Promise<boolean>;
  /** Asks the owner (as seen) to hand the lease over to `requester` once it has flushed and checkpointed. */
  requestHandover(seen: Lease, requester: string, signal?: AbortSignal): Promise<boolean>;
  /** Passes the lease from `owner` to the worker that asked for it. True once it is with `to`, also when an
   *  earlier attempt of the same call was applied and its answer lost. */
  handOver(shardId: string, owner: string, to: string, signal?: AbortSignal): Promise<boolean>;
  /** Records that this worker's task failed (its error line), for `status`; replaces its earlier record. */
  recordFailure(workerId: string, error: string, signal?: AbortSignal): Promise<void>;
  /** Deletes failure records as seen (the task runs again); a newer record of the same worker stays. */
  clearFailures(seen: readonly TaskFailure[], signal?: AbortSignal): Promise<void>;
  /** Deletes a finished lease (checkpoint SHARD_END) once nothing needs it any more. */
  deleteFinished(shardId: string, signal?: AbortSignal): Promise<boolean>;
}
