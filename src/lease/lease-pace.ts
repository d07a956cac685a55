// How often a worker writes its heartbeat and looks at its lease table, by what the table shows. A plan of 50
// tasks in one process pays each of these 50 times (on DynamoDB Local a heartbeat or renewal costs ~6 ms of the
// source's CPU and a look ~3 ms), so the work a quiet table does not need is left out. Renewals, and so every
// lease's safety, keep their interval (lease-timing.ts). Pure.
import { isFinished, type Lease } from './lease.js';
import type { FleetTiming } from './lease-timing.js';

/**
 * Renewal rounds from one answered heartbeat to the next while the worker holds a lease in the table. The others
 * count it alive by its leases then (lease-decision.ts: owners of unexpired leases are live workers), so the
 * heartbeat only keeps its presence item from being judged gone, which takes the failover time without a move: every
 * 2nd round (failover / 3) leaves ~2/3 of it to spare. A worker that holds nothing beats every round.
 */
export const HEARTBEAT_ROUNDS_WHILE_HOLDING = 2;

/**
 * The wait before the next renewal round, so that rounds start every `intervalMs`: a round that took `roundMs`
 * shortens the wait after it (down to none: rounds back to back, never overlapping). Waiting the whole interval
 * after a long round made a lease's renewals fall behind their schedule (the thousand-shards stage: 0.4-0.5 a
 * second per lease where 0.6 were due), and each late one brings its lease nearer its end. A clock that went
 * back counts as an instant round.
 */
export function renewWaitMs(intervalMs: number, roundMs: number): number {
  return Math.min(intervalMs, Math.max(0, intervalMs - Math.max(0, roundMs)));
}

/**
 * Whether a renewal round renews a lease last renewed (or taken) `sinceMs` ago: not when that was less than half
 * an interval ago. A lease taken just before a round needs no renewal yet, and the next round, at most 1.5
 * intervals after the take, renews it, well inside the fencing window (lease-timing.ts: a write may start up to
 * 60 % of the failover time after the last renewal was sent, 3.6 intervals). Renewing it at once doubled the
 * lease table's writes right after a large take, when a fleet's cold start loads the table most (the
 * thousand-shards stage: leases lost there because their renewals waited too long in the table's queue).
 */
export function renewalDue(sinceMs: number, intervalMs: number): boolean {
  return sinceMs >= intervalMs / 2;
}

/** Whether this renewal round sends the heartbeat: `rounds` since the last answered one (a failed one is due again). */
export function heartbeatDue(rounds: number, held: number): boolean {
  return held === 0 || rounds >= HEARTBEAT_ROUNDS_WHILE_HOLDING;
}

/** Settled looks in a row after which the take loop looks at the settled interval; any other look resets it. */
export const SETTLED_LOOKS = 3;

export interface LookSeen {
  readonly leases: readonly Lease[];
  readonly workerId: string;
  /** Leases this worker held at the look. */
  readonly held: ReadonlySet<string>;
  /** Workers whose presence items are alive (this one or not). */
  readonly liveWorkers: ReadonlySet<string>;
  /** What the look chose to do: leases to take, hand-overs to ask for. */
  readonly chosen: number;
}

/**
 * A settled table: this worker holds every lease still to read, nobody asked for one, and no other worker is
 * alive there, so nothing in the table is for this worker to act on. What would change that reaches it without
 * a look: new leases (shard discovery wakes the take loop), a shard that ended or a lease lost (the same), a
 * newcomer's request for a lease (the renewal that carries it starts the hand-over), and a standby's take-over
 * runs on the standby's own looks. A dead worker's presence item can only be there when another worker is.
 */
export function isSettled(seen: LookSeen): boolean {
  if (seen.chosen > 0) return false;
  for (const worker of seen.liveWorkers) if (worker !== seen.workerId) return false;
  return seen.leases.every(
    (lease) =>
      isFinished(lease) ||
      (lease.leaseOwner === seen.workerId &&
        seen.held.has(lease.leaseKey) &&
        (lease.pendingOwner === undefined || lease.pendingOwner === seen.workerId)),
  );
}

/**
 * Wait before the take loop's next look: the look interval, or the settled one (failover / 2) after SETTLED_LOOKS
 * settled looks in a row (so that workers starting together keep looking often while they find each other).
 */
export function lookIntervalMs(timing: FleetTiming, settledInARow: number): number {
  return settledInARow >= SETTLED_LOOKS ? timing.settledLookIntervalMs : timing.takeIntervalMs;
}

/** How long after an expiry's moment a look is made, so that the lease is surely past it by the tracker's clock. */
export const EXPIRY_LOOK_MARGIN_MS = 20;

/**
 * Wait before the take loop's next look: `intervalMs` (lookIntervalMs), or less when a lease seen unchanged would
 * expire sooner (`expiresAt`, ExpiryTracker.nextExpiryAt, on the clock of `now`): a look right after that moment
 * takes a killed worker's leases up to a look interval earlier. A live owner's renewal moves its lease before then,
 * so the look finds nothing to do, and the next moment is a failover time away: at most one early look per
 * failover time and observation.
 */
export function nextLookWaitMs(intervalMs: number, expiresAt: number | undefined, now: number): number {
  if (expiresAt === undefined) return intervalMs;
  return Math.min(intervalMs, Math.max(0, expiresAt - now) + EXPIRY_LOOK_MARGIN_MS);
}
