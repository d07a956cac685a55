// Decides which shards this worker reads, through the lease table alone (no leader): a renew loop keeps held
// leases alive on a heartbeat (lease-renewals.ts), a take loop watches the table, tracks expiry and takes this
// worker's share (after a short settle at start, so that workers started together split the shards at once:
// start-settle.ts).
// A held lease that cannot be renewed in time is given up locally before anybody else may take it.
import type { Logger } from 'pino';
import { classifyError } from '../errors/classify-error.js';
import { errorMessage } from '../errors/replicator-error.js';
import type { EventBus } from '../observability/events.js';
import { inOrder } from '../util/in-order.js';
import { sleep } from '../util/sleep.js';
import { Wakeup } from '../util/wakeup.js';
import { chooseLeasesToTake, isReady, type LeaseChoice } from './lease-decision.js';
import { FreeLeaseAges } from './free-lease-ages.js';
import { isFinished, type Lease } from './lease.js';
import type { LeaseStore } from './lease-store.js';
import { LeaseRenewals } from './lease-renewals.js';
import { ExpiryTracker } from './expiry-tracker.js';
import { onTheirWay, taskLook, type PlanShare, type TaskLook } from './plan-share.js';
import { heartbeatDue, isSettled, lookIntervalMs, nextLookWaitMs } from './lease-pace.js';
import { leaseTiming, type FleetTiming } from './lease-timing.js';
import { RenewalHealth } from './renewal-health.js';
import { SETTLE_START, settleAfterLook, type Settling } from './start-settle.js';
import { ShardLease, type LeaseTiming } from './shard-lease.js';
import { groupsOf } from '../util/groups-of.js';

/** Hand-over requests of one look in flight at once. */
export const ASKS_IN_FLIGHT = 8;

/**
 * Leases taken in one transaction. DynamoDB takes up to 100 items in one; a smaller chunk is refused less often
 * (one lease taken by someone else sends the whole chunk to one-at-a-time takes).
 */
export const TAKE_CHUNK = 25;

export interface LeaseCoordinatorDeps {
  readonly store: LeaseStore;
  readonly workerId: string;
  readonly failoverMs: number;
  readonly events: EventBus;
  readonly logger: Logger;
  readonly clock?: () => number;
  /** Shard ids the stream lists now (from shard discovery), for the parents-first rule. */
  readonly streamShardIds: () => ReadonlySet<string> | undefined;
  /** Called for each lease taken; the caller starts the shard's pipeline. */
  readonly onAcquired: (lease: ShardLease) => void;
  /**
   * Called when another worker asked for a held lease: the caller stops the shard's pipeline (final flush and
   * checkpoint) and resolves; the coordinator then passes the lease on.
   */
  readonly onHandoverRequested: (lease: ShardLease, to: string) => Promise<void>;
  /** Called when the lease table refuses this worker for good (access denied, table deleted). */
  readonly onFatal: (err: unknown) => void;
  /** How far behind the newest record a held shard is, recorded with each renewal for `status`. */
  readonly behindMs?: (shardId: string) => number | undefined;
  /** In a plan: the share is over every task of the plan (plan-share.ts), this one named `task` there. */
  readonly plan?: { readonly share: PlanShare; readonly task: string } | undefined;
}

export class LeaseCoordinator {
  readonly #deps: LeaseCoordinatorDeps;
  readonly #clock: () => number;
  readonly #timing: FleetTiming;
  readonly #expiry: ExpiryTracker;
  /** Judges other workers' presence items gone the way #expiry judges leases expired. */
  readonly #presence: ExpiryTracker;
  readonly #freeAges: FreeLeaseAges;
  /** The start settle (start-settle.ts) until the first look that acts; undefined from then on. */
  #settling: Settling | undefined = SETTLE_START;
  /** The heartbeat in flight; none is sent any more once this worker is leaving. */
  #heartbeating: Promise<void> | undefined;
  #leaving = false;
  /** Renewal rounds since the last answered heartbeat (lease-pace.ts). */
  #roundsSinceHeartbeat = 0;
  /** Looks in a row that found the table settled (lease-pace.ts). */
  #settledLooks = 0;
  readonly #held = new Map<string, ShardLease>();
  readonly #takeNow = new Wakeup();
  readonly #handingOver = new Set<string>();
  #lastLeases: readonly Lease[] = [];
  /** The leases the last look judged expired, for unownedShards. */
  #lastExpired: ReadonlySet<string> = new Set();
  /** What the last look saw besides this worker's leases, for the plan's other tasks. */
  #lastLook: TaskLook | undefined;
  /** Takes sent and not yet answered: already this worker's for the plan's other tasks. */
  #taking = 0;
  /**
   * Leases this worker asked for (hand-overs on their way, and requests chosen but not yet sent): already its for
   * the plan's other tasks, or each task would ask for the whole shortfall at once and the fleet would swing.
   */
  #asked = 0;
  /** How the lease table answers heartbeats and renewals, for the health check. */
  readonly renewals: RenewalHealth;
  readonly #renewRounds: LeaseRenewals;

  constructor(deps: LeaseCoordinatorDeps) {
    this.#deps = deps;
    this.#clock = deps.clock ?? (() => performance.now());
    this.#timing = leaseTiming(deps.failoverMs);
    this.#expiry = new ExpiryTracker(deps.failoverMs);
    this.#presence = new ExpiryTracker(deps.failoverMs);
    this.#freeAges = new FreeLeaseAges(this.#timing.dealtWaitMs);
    this.renewals = new RenewalHealth(this.#clock);
    this.#renewRounds = new LeaseRenewals({
      store: deps.store,
      workerId: deps.workerId,
      clock: this.#clock,
      renewIntervalMs: this.#timing.renewIntervalMs,
      health: this.renewals,
      logger: deps.logger,
      held: () => this.held(),
      alongside: (signal) => this.#roundHeartbeat(signal),
      lost: (lease, reason) => this.#lose(lease, reason),
      askedFor: (lease, to, signal) => this.#askedFor(lease, to, signal),
      onFatal: deps.onFatal,
      behindMs: deps.behindMs,
    });
  }

  get timing(): LeaseTiming {
    return this.#timing;
  }

  held(): ShardLease[] {
    return [...this.#held.values()];
  }

  /** The lease table as last read by the take loop. */
  get lastLeases(): readonly Lease[] {
    return this.#lastLeases;
  }

  /**
   * Shards nobody reads as the last look saw them (no owner or an expired lease; not finished; parents done, so
   * a child waiting for its parent is not counted), for the metrics; undefined before the first look.
   */
  get unownedShards(): number | undefined {
    if (this.#lastLook === undefined) return undefined;
    const leases = this.#lastLeases;
    const byKey = new Map(leases.map((lease) => [lease.leaseKey, lease]));
    const streamShardIds = this.#deps.streamShardIds();
    return leases.filter(
      (lease) =>
        !isFinished(lease) &&
        (lease.leaseOwner === undefined || this.#lastExpired.has(lease.leaseKey)) &&
        isReady(lease, byKey, streamShardIds),
    ).length;
  }

  /** Asks the take loop to look again now (a shard ended, new shards were found). */
  wake(): void {
    this.#takeNow.notify();
  }

  /** Takes leases until `take` aborts and renews held ones until `renew` aborts (renewal outlives taking, so
   *  that the final flush of a stop still writes under a valid lease). */
  async run(take: AbortSignal, renew: AbortSignal): Promise<void> {
    const plan = this.#deps.plan;
    const leave = plan?.share.join(plan.task, {
      lastLook: () => this.#lastLook,
      heldNow: () => this.#held.size + this.#taking + this.#asked,
    });
    try {
      // Present before the first look, so that workers starting together see each other as early as they can.
      await this.#heartbeat(renew);
      await Promise.all([this.#renewRounds.run(renew), this.#takeLoop(take)]);
    } finally {
      leave?.();
    }
  }

  /**
   * Forgets a lease this worker lost. Only that very lease: the shard may have been taken again since, and the
   * new lease must stay held and renewed.
   */
  drop(lease: ShardLease): void {
    if (this.#held.get(lease.shardId) === lease) {
      // Lost outside the renew loop (its validity ran out before a write, a checkpoint was refused): say so.
      this.#held.delete(lease.shardId);
      this.#deps.events.emit('lease.lost', {
        shardId: lease.shardId,
        reason: lease.lostReason ?? 'lease lost',
      });
    }
    this.#takeNow.notify();
  }

  /** Gives up the lease of a shard read to its end (checkpoint SHARD_END), so its children can be taken. */
  async finish(lease: ShardLease): Promise<void> {
    if (this.#held.get(lease.shardId) === lease) {
      this.#held.delete(lease.shardId);
      await this.#release(lease);
    }
    this.#takeNow.notify();
  }

  /**
   * Leaves the fleet: removes this worker's presence item, then gives every held lease back, so that the others
   * take them at their next look, without waiting for expiry and without counting this worker in their share.
   */
  async releaseAll(signal?: AbortSignal): Promise<void> {
    this.#leaving = true;
    await this.#heartbeating;
    try {
      await this.#deps.store.removeWorker(this.#deps.workerId, undefined, signal);
    } catch (err) {
      this.#deps.logger.warn(
        { err: errorMessage(err) },
        'could not remove this worker from the lease table; the others drop it once it expires',
      );
    }
    const leases = [...this.#held.values()];
    this.#held.clear();
    await Promise.all(leases.map((lease) => this.#release(lease, signal)));
  }

  async #release(lease: ShardLease, signal?: AbortSignal): Promise<void> {
    lease.markLost('released');
    try {
      if (await this.#deps.store.release(lease.shardId, this.#deps.workerId, signal)) {
        this.#deps.events.emit('lease.released', { shardId: lease.shardId });
      }
    } catch (err) {
      this.#deps.logger.warn(
        { shardId: lease.shardId, err: errorMessage(err) },
        'could not release lease; another worker takes it once it expires',
      );
    }
  }

  /** The heartbeat of a renewal round, when it is due; sent with the round's renewals. */
  #roundHeartbeat(signal: AbortSignal): Promise<void> | undefined {
    this.#roundsSinceHeartbeat += 1;
    // A worker holding leases here is alive to the others by them: its heartbeat can wait a round.
    return heartbeatDue(this.#roundsSinceHeartbeat, this.#held.size) ? this.#heartbeat(signal) : undefined;
  }

  async #heartbeat(signal: AbortSignal): Promise<void> {
    if (this.#leaving) return;
    const sending = this.#deps.store.heartbeat(this.#deps.workerId, signal).then(
      () => {
        this.#roundsSinceHeartbeat = 0;
        this.renewals.joined();
      },
      (err: unknown) => {
        if (signal.aborted) return;
        this.renewals.failed();
        // Not fatal on its own: a lease table that refuses this worker for good refuses its renewals too.
        this.#deps.logger.warn({ err: errorMessage(err) }, 'heartbeat failed; retrying');
      },
    );
    this.#heartbeating = sending;
    await sending;
  }

  /** One hand-over per shard at a time: each renewal round finds the request again until it is done. */
  #askedFor(lease: ShardLease, to: string, signal: AbortSignal): void {
    if (this.#handingOver.has(lease.shardId)) return;
    this.#handingOver.add(lease.shardId);
    void this.#handOver(lease, to, signal).finally(() => this.#handingOver.delete(lease.shardId));
  }

  /** Stops the shard cleanly, then passes its lease to the worker that asked; renewals go on meanwhile. */
  async #handOver(lease: ShardLease, to: string, signal: AbortSignal): Promise<void> {
    const { store, workerId, events, logger } = this.#deps;
    logger.info({ shardId: lease.shardId, to }, 'handing lease over');
    try {
      await this.#deps.onHandoverRequested(lease, to);
      if (this.#held.get(lease.shardId) !== lease || lease.isLost) return;
      this.#held.delete(lease.shardId);
      lease.markLost(`handed over to ${to}`);
      if (await store.handOver(lease.shardId, workerId, to, signal)) {
        events.emit('lease.released', { shardId: lease.shardId, to });
      }
    } catch (err) {
      logger.warn(
        { shardId: lease.shardId, err: errorMessage(err) },
        'hand-over failed; the lease will expire',
      );
    }
  }

  #lose(lease: ShardLease, reason: string): void {
    lease.markLost(reason);
    // A lease no longer held was given up meanwhile (released, handed over, finished) or its loss was already
    // reported: a renewal in flight during a release is refused, and "lease lost" would then be false.
    if (this.#held.get(lease.shardId) !== lease) return;
    this.#held.delete(lease.shardId);
    this.#deps.events.emit('lease.lost', { shardId: lease.shardId, reason });
  }

  async #takeLoop(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      try {
        const look = await this.#look(signal);
        if (this.#settle(look)) {
          await sleep(this.#timing.startSettleMs, signal);
          continue;
        }
        await this.#act(look, signal);
      } catch (err) {
        if (signal.aborted) return;
        this.#settledLooks = 0;
        if (classifyError(err).kind !== 'retriable') {
          this.#deps.onFatal(err);
          return;
        }
        this.#deps.logger.warn({ err: errorMessage(err) }, 'reading the lease table failed; retrying');
      }
      // Less often while the table has nothing for this worker to act on; a wake-up still looks at once, and so
      // does the moment a lease would expire (a worker gone: its shards are read again a look interval sooner).
      const expiresAt = minDefined(this.#expiry.nextExpiryAt(), this.#presence.nextExpiryAt());
      const interval = lookIntervalMs(this.#timing, this.#settledLooks);
      await this.#takeNow.wait(signal, nextLookWaitMs(interval, expiresAt, this.#clock()));
    }
  }

  /** Whether a starting worker waits one settle before it acts (start-settle.ts); never again once it acted. */
  #settle(look: Look): boolean {
    if (this.#settling === undefined) return false;
    const { workerId } = this.#deps;
    this.#settling = settleAfterLook(this.#settling, {
      live: look.live,
      freeToTake: look.choice.take.filter((lease) => lease.leaseOwner !== workerId).length,
    });
    return this.#settling !== undefined;
  }

  async #look(signal: AbortSignal): Promise<Look> {
    const { store, workerId } = this.#deps;
    const { leases, workers } = await store.listFleet(signal);
    this.#lastLeases = leases;
    const now = this.#clock();
    const expired = this.#expiry.observe(leases, now);
    this.#lastExpired = expired;
    const gone = this.#presence.observe(
      workers.map((w) => ({ leaseKey: w.workerId, leaseOwner: w.workerId, leaseCounter: w.heartbeat })),
      now,
    );
    const liveWorkers = new Set(workers.map((w) => w.workerId).filter((id) => !gone.has(id)));
    this.#lastLook = taskLook(leases, expired, liveWorkers, workerId);
    const plan = this.#deps.plan;
    const choice = chooseLeasesToTake({
      leases,
      workerId,
      held: new Set(this.#held.keys()),
      expired,
      streamShardIds: this.#deps.streamShardIds(),
      liveWorkers,
      ...(plan === undefined ? {} : { elsewhere: plan.share.elsewhere(plan.task, workerId) }),
      longFree: this.#freeAges.longFree(now),
    });
    this.#freeAges.observe(choice.free, now);
    return { leases, workers, gone, expired, live: this.#lastLook.live, liveWorkers, choice };
  }

  async #act(look: Look, signal: AbortSignal): Promise<void> {
    const { store, workerId } = this.#deps;
    const { leases, workers, gone, expired, liveWorkers, choice } = look;
    const settled = isSettled({
      leases,
      workerId,
      held: new Set(this.#held.keys()),
      liveWorkers,
      chosen: choice.take.length + choice.steals.length,
    });
    this.#settledLooks = settled ? this.#settledLooks + 1 : 0;
    // Counted as this worker's by the plan's other tasks from now on, before any answer comes.
    this.#taking = choice.take.length;
    this.#asked = onTheirWay(leases, expired, workerId) + choice.steals.length;
    try {
      await this.#takeChosen(choice.take, signal);
    } finally {
      this.#taking = 0;
    }
    // A few at once: a worker joining a fleet of 1,000 shards asks for ~110 leases in one look.
    await inOrder(
      choice.steals,
      ASKS_IN_FLIGHT,
      (victim) => store.requestHandover(victim, workerId, signal),
      (asked, victim) => {
        if (!asked) {
          this.#asked = Math.max(0, this.#asked - 1);
          return;
        }
        this.#deps.logger.info(
          { shardId: victim.leaseKey, from: victim.leaseOwner, target: choice.target },
          'asked for a lease to balance the fleet',
        );
      },
      signal,
    );
    if (signal.aborted) return;
    // A worker killed or cut off leaves its presence item behind; it holds no state, so it goes once it has not
    // moved for the failover time (a worker that comes back writes it again with its next heartbeat).
    for (const worker of workers) {
      if (signal.aborted) return;
      if (worker.workerId === workerId || !gone.has(worker.workerId)) continue;
      if (await store.removeWorker(worker.workerId, worker.heartbeat, signal)) {
        this.#deps.logger.info(
          { workerId: worker.workerId },
          'removed a worker not seen for the failover time from the lease table',
        );
      }
    }
  }

  /**
   * Takes first: a lease handed to this worker is unread until it is taken; requests can wait a moment. In the
   * order dealt (shard-id order), so that what a worker has taken is always a prefix of what was dealt to it: the
   * free-lease deal (free-lease-deal.ts) relies on that, so that a worker looking meanwhile deals the rest as the
   * first look did (takes in flight together broke it: a refused take at a 3-worker cold start in CI). Several
   * leases at once go in chunks, each one transaction that lands whole or not at all, one chunk after the other:
   * the prefix holds, and a cold start takes its share in a few requests instead of one round trip per lease.
   * A chunk refused (one of its leases taken by someone else meanwhile) is taken one lease at a time.
   */
  async #takeChosen(chosen: readonly Lease[], signal: AbortSignal): Promise<void> {
    const { store, workerId } = this.#deps;
    for (const chunk of groupsOf(chosen, TAKE_CHUNK)) {
      if (signal.aborted) return;
      if (chunk.length > 1) {
        const sentAt = this.#clock();
        const taken = await store.takeAll(chunk, workerId, signal);
        if (taken !== undefined) {
          this.#taking -= chunk.length;
          // In the order of the chunk, which takeAll keeps.
          chunk.forEach((seen, i) => {
            const lease = taken[i];
            if (lease !== undefined) this.#taken(seen, lease, sentAt);
          });
          continue;
        }
      }
      for (const seen of chunk) {
        if (signal.aborted) return;
        const sentAt = this.#clock();
        const taken = await store.take(seen, workerId, signal);
        this.#taking -= 1;
        if (taken !== undefined) this.#taken(seen, taken, sentAt); // else another worker was faster
      }
    }
  }

  /** A lease this worker took, its validity counted from `sentAt` (when the take was sent). */
  #taken(seen: Lease, taken: Lease, sentAt: number): void {
    const { store, workerId, events } = this.#deps;
    const lease = new ShardLease(taken, sentAt, {
      store,
      workerId,
      timing: this.#timing,
      clock: this.#clock,
    });
    this.#held.set(taken.leaseKey, lease);
    events.emit('lease.taken', {
      shardId: taken.leaseKey,
      // A lease under this worker's own name was handed to it (or left by its earlier run): no one to name.
      previousOwner: seen.leaseOwner === workerId ? undefined : seen.leaseOwner,
      checkpoint: taken.checkpoint,
    });
    this.#deps.onAcquired(lease);
  }
}

/** What one look at the lease table saw and chose. */
interface Look {
  readonly leases: readonly Lease[];
  readonly workers: readonly { readonly workerId: string; readonly heartbeat: number }[];
  /** Other workers whose presence items have not moved for the failover time. */
  readonly gone: ReadonlySet<string>;
  readonly expired: ReadonlySet<string>;
  /** Workers alive in the table: fresh presence items, owners of unexpired leases, askers. */
  readonly live: ReadonlySet<string>;
  /** Workers whose presence items are alive. */
  readonly liveWorkers: ReadonlySet<string>;
  readonly choice: LeaseChoice;
}

function minDefined(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined) return b;
  return b === undefined ? a : Math.min(a, b);
}
