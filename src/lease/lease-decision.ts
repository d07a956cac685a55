// Pure: which leases this worker should take now. Rules, in order:
// - a finished lease (SHARD_END) has nothing left to read and is never taken;
// - a lease is ready only when each parent shard is finished, or gone from both the lease table and the stream
//   (parents first, invariant 3);
// - each worker aims at a fair share: ceil(leases to read / live workers); a worker under its share takes
//   ready leases that are unowned, expired, or left over under its own name (after a restart of this worker);
// - the order is stable (parents sort before children by shard id), so workers racing for leases mostly agree.
import { isFinished, type Lease } from './lease.js';

export interface LeaseChoiceInput {
  readonly leases: readonly Lease[];
  readonly workerId: string;
  /** Leases this worker holds and is reading now. */
  readonly held: ReadonlySet<string>;
  /** Leases whose owner has not renewed them within the failover time, as this worker observed. */
  readonly expired: ReadonlySet<string>;
  /** Shard ids the stream lists now; undefined while unknown. */
  readonly streamShardIds: ReadonlySet<string> | undefined;
}

export interface LeaseChoice {
  readonly take: readonly Lease[];
  /** The fair share this worker aims at. */
  readonly target: number;
  readonly liveWorkers: number;
}

export function isReady(
  lease: Lease,
  byKey: ReadonlyMap<string, Lease>,
  streamShardIds: ReadonlySet<string> | undefined,
): boolean {
  for (const parentId of lease.parentShardIds) {
    const parent = byKey.get(parentId);
    if (parent !== undefined) {
      if (!isFinished(parent)) return false;
    } else if (streamShardIds === undefined || streamShardIds.has(parentId)) {
      // The parent is in the stream but has no lease yet (or the stream is unknown): wait for it.
      return false;
    }
  }
  return true;
}

export function chooseLeasesToTake(input: LeaseChoiceInput): LeaseChoice {
  const { leases, workerId, held, expired, streamShardIds } = input;
  const byKey = new Map(leases.map((lease) => [lease.leaseKey, lease]));
  const active = leases.filter((lease) => !isFinished(lease));

  const liveOwners = new Set<string>([workerId]);
  for (const lease of active) {
    if (lease.leaseOwner !== undefined && !expired.has(lease.leaseKey)) liveOwners.add(lease.leaseOwner);
  }
  const target = Math.ceil(active.length / liveOwners.size);
  const mine = active.filter((lease) => held.has(lease.leaseKey)).length;
  const room = Math.max(0, target - mine);
  if (room === 0) return { take: [], target, liveWorkers: liveOwners.size };

  const candidates = active
    .filter((lease) => !held.has(lease.leaseKey))
    .filter(
      (lease) =>
        lease.leaseOwner === undefined || lease.leaseOwner === workerId || expired.has(lease.leaseKey),
    )
    .filter((lease) => isReady(lease, byKey, streamShardIds))
    .sort(compareLeases);
  return { take: candidates.slice(0, room), target, liveWorkers: liveOwners.size };
}

function compareLeases(a: Lease, b: Lease): number {
  return a.leaseKey < b.leaseKey ? -1 : a.leaseKey > b.leaseKey ? 1 : 0;
}
