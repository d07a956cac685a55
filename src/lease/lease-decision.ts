// Pure: which leases this worker should take now. Rules, in order:
// - a finished lease (SHARD_END) has nothing left to read and is never taken;
// - a lease is ready only when each parent shard is finished, or gone from both the lease table and the stream
//   (parents first, invariant 3);
// - a ready lease under this worker's own name that it does not hold (handed over to it, or left by its earlier
//   run) is always taken, whatever the share: nobody else may take it before it expires;
// - each worker aims at a fair share: ceil(leases to read / live workers: owners of unexpired leases, workers that
//   asked for a lease, and workers whose presence item is alive, so that one holding no lease counts too); a
//   worker under its share takes ready leases that are unowned or expired; leases it asked for (pending requests
//   to live owners) count as its own, so it does not fill up with free leases and then receive more by hand-over;
// - free leases are dealt among the live workers (free-lease-deal.ts) and a worker takes those dealt to it; one
//   dealt to another worker it takes too once that one has left it free for a while (`longFree`: it may be
//   gone, or see the table otherwise), and an expired one at once (expiry is judged on each worker's own clock,
//   so waiting for another's judgement would only slow the failover down);
// - when that is not enough, it asks the most loaded workers for leases (graceful hand-overs), as many as fill
//   its share, one at a time from whoever is most loaded then, each only if it makes the fleet more even; leases
//   on their way to others count as theirs; a worker that joins a busy fleet thus asks for its whole share at
//   once instead of one lease per round;
// - the order is stable (parents sort before children by shard id), so workers racing for leases mostly agree;
// - in a plan (many tasks, one lease table each), the share is over the whole plan: the leases, loads and live
//   workers of the other tasks, as this worker last saw them (`elsewhere`), count with this table's, and only
//   this table's leases are taken or asked for here. 200 one-shard tables on 8 workers: about 25 each.
import { dealFreeLeases } from './free-lease-deal.js';
import { isFinished, type Lease } from './lease.js';

/** The plan's other tasks, as this worker last saw their lease tables. */
export interface ElsewhereInPlan {
  /** Leases still to read (not finished) in the other tasks' tables. */
  readonly active: number;
  /** Leases held there, by owner (this worker's own included). */
  readonly loads: ReadonlyMap<string, number>;
  /** Workers alive there (owners of unexpired leases, askers, fresh presence items). */
  readonly live: ReadonlySet<string>;
}

export interface LeaseChoiceInput {
  readonly leases: readonly Lease[];
  readonly workerId: string;
  /** Leases this worker holds and is reading now. */
  readonly held: ReadonlySet<string>;
  /** Leases whose owner has not renewed them within the failover time, as this worker observed. */
  readonly expired: ReadonlySet<string>;
  /** Shard ids the stream lists now; undefined while unknown. */
  readonly streamShardIds: ReadonlySet<string> | undefined;
  /** Workers whose presence items are alive (heartbeat moved within the failover time), with leases or not. */
  readonly liveWorkers?: ReadonlySet<string>;
  /** In a plan: the other tasks' leases, loads and workers, counted in the share. */
  readonly elsewhere?: ElsewhereInPlan;
  /**
   * Unowned leases this worker has seen free for long enough that whoever they were dealt to had a look at them
   * (lease-timing.ts: `dealtWaitMs`): anybody's now.
   */
  readonly longFree?: ReadonlySet<string>;
}

export interface LeaseChoice {
  readonly take: readonly Lease[];
  /** Leases to ask their owners for, when taking free leases leaves this worker under its share. */
  readonly steals: readonly Lease[];
  /** The fair share this worker aims at. */
  readonly target: number;
  readonly liveWorkers: number;
  /** Keys of the ready leases that were free (unowned or expired) at this look, whoever they were dealt to. */
  readonly free: readonly string[];
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

  // Live workers: owners of unexpired leases, and workers that asked for one (a worker that has just joined
  // holds nothing yet; counting it keeps two workers that join together from each asking for a share that
  // leaves the other out).
  const elsewhere = input.elsewhere;
  const liveOwners = new Set<string>([workerId, ...(input.liveWorkers ?? []), ...(elsewhere?.live ?? [])]);
  for (const lease of active) {
    if (lease.leaseOwner === undefined || expired.has(lease.leaseKey)) continue;
    liveOwners.add(lease.leaseOwner);
    if (lease.pendingOwner !== undefined) liveOwners.add(lease.pendingOwner);
  }
  const target = Math.ceil((active.length + (elsewhere?.active ?? 0)) / liveOwners.size);
  // Leases in this worker's name that it is not reading: handed over to it, or left by its earlier run. Nobody
  // else may take them before they expire, so they are taken whatever the share: left alone, their shards would
  // go unread for the failover time (the fleet evens out again by hand-overs).
  const ownUnheld = active
    .filter((lease) => lease.leaseOwner === workerId && !held.has(lease.leaseKey))
    .filter((lease) => isReady(lease, byKey, streamShardIds))
    .sort(compareLeases);
  // Leases this worker asked for and whose owners are alive count as its own too: they are on their way.
  const onTheirWay = active.filter(
    (lease) =>
      lease.pendingOwner === workerId && lease.leaseOwner !== workerId && !expired.has(lease.leaseKey),
  ).length;
  // Leases it holds but has been asked for by a live worker count for the asker, as every other worker counts
  // them (loadsSeen): a worker that counted them twice thought itself fuller than the others did, and the
  // expired leases they dealt to it waited, untaken by anyone, until its hand-overs were done (seen in the
  // thousand-shard benchmark: a killed worker's last leases taken 15 s after its first).
  const outgoing = active.filter(
    (lease) =>
      held.has(lease.leaseKey) &&
      lease.pendingOwner !== undefined &&
      lease.pendingOwner !== workerId &&
      !expired.has(lease.leaseKey),
  ).length;
  const mine =
    active.filter((lease) => held.has(lease.leaseKey)).length -
    outgoing +
    ownUnheld.length +
    onTheirWay +
    (elsewhere?.loads.get(workerId) ?? 0);
  const room = Math.max(0, target - mine);
  const freeReady = active
    .filter((lease) => !held.has(lease.leaseKey) && lease.leaseOwner !== workerId)
    .filter((lease) => lease.leaseOwner === undefined || expired.has(lease.leaseKey))
    .filter((lease) => isReady(lease, byKey, streamShardIds))
    .sort(compareLeases);
  const dealt = dealFreeLeases({
    active: [...active].sort(compareLeases),
    free: freeReady,
    workers: liveOwners,
    loads: loadsSeen(active, expired, elsewhere, workerId, mine),
    target,
  });
  const longFree = input.longFree ?? new Set<string>();
  const free = [
    ...freeReady.filter((lease) => dealt.get(lease.leaseKey) === workerId),
    ...freeReady.filter(
      (lease) =>
        dealt.get(lease.leaseKey) !== workerId &&
        (expired.has(lease.leaseKey) || longFree.has(lease.leaseKey)),
    ),
  ].slice(0, room);
  const steals = chooseSteals(
    active,
    { workerId, expired, byKey, streamShardIds, loadsElsewhere: elsewhere?.loads },
    mine + free.length,
    target,
  );
  return {
    take: [...ownUnheld, ...free],
    steals,
    target,
    liveWorkers: liveOwners.size,
    free: freeReady.map((lease) => lease.leaseKey),
  };
}

/** What each live worker holds or has on its way (a lease being handed over counts for its asker); `mine` for this one. */
function loadsSeen(
  active: readonly Lease[],
  expired: ReadonlySet<string>,
  elsewhere: ElsewhereInPlan | undefined,
  workerId: string,
  mine: number,
): Map<string, number> {
  const loads = new Map<string, number>();
  for (const lease of active) {
    if (lease.leaseOwner === undefined || expired.has(lease.leaseKey)) continue;
    const holder = lease.pendingOwner ?? lease.leaseOwner;
    loads.set(holder, (loads.get(holder) ?? 0) + 1);
  }
  for (const [owner, count] of elsewhere?.loads ?? []) loads.set(owner, (loads.get(owner) ?? 0) + count);
  loads.set(workerId, mine);
  return loads;
}

interface StealContext {
  readonly workerId: string;
  readonly expired: ReadonlySet<string>;
  readonly byKey: ReadonlyMap<string, Lease>;
  readonly streamShardIds: ReadonlySet<string> | undefined;
  /** What each owner holds in the plan's other tables: counted in its load, but nothing there is movable here. */
  readonly loadsElsewhere: ReadonlyMap<string, number> | undefined;
}

function chooseSteals(
  active: readonly Lease[],
  context: StealContext,
  mineAfterTaking: number,
  target: number,
): Lease[] {
  const { workerId, expired, byKey, streamShardIds } = context;
  let mine = mineAfterTaking;
  // What each other live owner holds and keeps, and which of those it could hand over, last shard first.
  const loads = new Map<string, { count: number; movable: Lease[] }>();
  for (const lease of active) {
    const owner = lease.leaseOwner;
    if (owner === undefined || owner === workerId || expired.has(lease.leaseKey)) continue;
    if (lease.pendingOwner !== undefined) continue;
    const load = loads.get(owner) ?? { count: 0, movable: [] };
    load.count += 1;
    if (isReady(lease, byKey, streamShardIds)) load.movable.push(lease);
    loads.set(owner, load);
  }
  for (const [owner, count] of context.loadsElsewhere ?? []) {
    if (owner === workerId) continue;
    const load = loads.get(owner);
    // An owner with nothing movable here cannot be asked here; its load elsewhere is that table's business.
    if (load !== undefined) load.count += count;
  }
  for (const load of loads.values()) load.movable.sort(compareLeases);
  const owners = [...loads.keys()].sort();
  const steals: Lease[] = [];
  while (mine < target) {
    let victim: { count: number; movable: Lease[] } | undefined;
    for (const owner of owners) {
      const load = loads.get(owner);
      if (
        load !== undefined &&
        load.movable.length > 0 &&
        (victim === undefined || load.count > victim.count)
      )
        victim = load;
    }
    // Only a move that evens things out: 3 against 2 stays, 3 against 1 moves one.
    if (victim === undefined || victim.count <= mine + 1) break;
    const lease = victim.movable.pop();
    if (lease === undefined) break;
    steals.push(lease);
    victim.count -= 1;
    mine += 1;
  }
  return steals;
}

function compareLeases(a: Lease, b: Lease): number {
  return a.leaseKey < b.leaseKey ? -1 : a.leaseKey > b.leaseKey ? 1 : 0;
}
