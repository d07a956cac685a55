// Pure: which leases this worker should take now. Rules, in order:
// - a finished lease (SHARD_END) has nothing left to read and is never taken;
// - a lease is ready only when each parent shard is finished, or gone from both the lease table and the stream
//   (parents first, invariant 3);
// - each worker aims at a fair share: ceil(leases to read / live workers); a worker under its share takes
//   ready leases that are unowned, expired, or left over under its own name (after a restart of this worker);
// - when that is not enough, it asks the most loaded worker for one lease (a graceful hand-over), only if that
//   makes the fleet more even, and never while an earlier request of its own is still pending;
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
  /** A lease to ask its owner for, when taking free leases leaves this worker under its share. */
  readonly steal: Lease | undefined;
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
  if (room === 0) return { take: [], steal: undefined, target, liveWorkers: liveOwners.size };

  const candidates = active
    .filter((lease) => !held.has(lease.leaseKey))
    .filter(
      (lease) =>
        lease.leaseOwner === undefined || lease.leaseOwner === workerId || expired.has(lease.leaseKey),
    )
    .filter((lease) => isReady(lease, byKey, streamShardIds))
    .sort(compareLeases);
  const take = candidates.slice(0, room);
  const steal =
    take.length < room
      ? chooseSteal(active, workerId, expired, mine + take.length, byKey, streamShardIds)
      : undefined;
  return { take, steal, target, liveWorkers: liveOwners.size };
}

function chooseSteal(
  active: readonly Lease[],
  workerId: string,
  expired: ReadonlySet<string>,
  mineAfterTaking: number,
  byKey: ReadonlyMap<string, Lease>,
  streamShardIds: ReadonlySet<string> | undefined,
): Lease | undefined {
  // One request at a time: a pending hand-over to this worker blocks the next.
  if (active.some((lease) => lease.pendingOwner === workerId)) return undefined;
  const loads = new Map<string, Lease[]>();
  for (const lease of active) {
    const owner = lease.leaseOwner;
    if (owner === undefined || owner === workerId || expired.has(lease.leaseKey)) continue;
    const list = loads.get(owner) ?? [];
    list.push(lease);
    loads.set(owner, list);
  }
  let victim: Lease[] | undefined;
  const owners = [...loads.keys()].sort();
  for (const owner of owners) {
    const list = loads.get(owner) ?? [];
    if (victim === undefined || list.length > victim.length) victim = list;
  }
  // Only a move that evens things out: 3 against 2 stays, 3 against 1 moves one.
  if (victim === undefined || victim.length <= mineAfterTaking + 1) return undefined;
  return victim
    .filter((lease) => lease.pendingOwner === undefined && isReady(lease, byKey, streamShardIds))
    .sort(compareLeases)
    .at(-1);
}

function compareLeases(a: Lease, b: Lease): number {
  return a.leaseKey < b.leaseKey ? -1 : a.leaseKey > b.leaseKey ? 1 : 0;
}
