// Decides which shards this worker reads, through the lease table alone (no leader): a renew loop keeps held
// leases alive on a heartbeat (lease-renewals.ts), a take loop watches the table, tracks expiry and takes this
// worker's share (lease-takes.ts; after a short settle at start, so that workers started together split the
// shards at once: start-settle.ts).
// A held lease that cannot be renewed in time is given up locally before anybody else may take it.
import type { Logger } from 'pino';
import { errorMessage } from '../errors/replicator-error.js';
import type { EventBus } from '../observability/events.js';
import type { Lease } from './lease.js';
import type { LeaseStore } from './lease-store.js';
import { LeaseRenewals } from './lease-renewals.js';
import { LeaseTakes } from './lease-takes.js';
import type { PlanShare } from './plan-share.js';
import { heartbeatDue } from './lease-pace.js';
import { leaseTiming, type FleetTiming } from './lease-timing.js';
import { RenewalHealth } from './renewal-health.js';
import type { ShardLease, LeaseTiming } from './shard-lease.js';

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
  /** The heartbeat in flight; none is sent any more once this worker is leaving. */
  #heartbeating: Promise<void> | undefined;
  #leaving = false;
  /** Renewal rounds since the last answered heartbeat (lease-pace.ts). */
  #roundsSinceHeartbeat = 0;
  readonly #held = new Map<string, ShardLease>();
  readonly #handingOver = new Set<string>();
  /** How the lease table answers heartbeats and renewals, for the health check. */
  readonly renewals: RenewalHealth;
  readonly #renewRounds: LeaseRenewals;
  readonly #takes: LeaseTakes;

  constructor(deps: LeaseCoordinatorDeps) {
    this.#deps = deps;
    this.#clock = deps.clock ?? (() => performance.now());
    this.#timing = leaseTiming(deps.failoverMs);
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
    const plan = deps.plan;
    this.#takes = new LeaseTakes({
      store: deps.store,
      workerId: deps.workerId,
      timing: this.#timing,
      clock: this.#clock,
      events: deps.events,
      logger: deps.logger,
      streamShardIds: deps.streamShardIds,
      heldShardIds: () => new Set(this.#held.keys()),
      elsewhere: plan === undefined ? undefined : () => plan.share.elsewhere(plan.task, deps.workerId),
      hold: (lease) => {
        this.#held.set(lease.shardId, lease);
      },
      onAcquired: deps.onAcquired,
      onFatal: deps.onFatal,
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
    return this.#takes.lastLeases;
  }

  /**
   * Shards nobody reads as the last look saw them (no owner or an expired lease; not finished; parents done, so
   * a child waiting for its parent is not counted), for the metrics; undefined before the first look.
   */
  get unownedShards(): number | undefined {
    return this.#takes.unownedShards;
  }

  /** Asks the take loop to look again now (a shard ended, new shards were found). */
  wake(): void {
    this.#takes.wake();
  }

  /** Takes leases until `take` aborts and renews held ones until `renew` aborts (renewal outlives taking, so
   *  that the final flush of a stop still writes under a valid lease). */
  async run(take: AbortSignal, renew: AbortSignal): Promise<void> {
    const plan = this.#deps.plan;
    const leave = plan?.share.join(plan.task, {
      lastLook: () => this.#takes.lastLook,
      heldNow: () => this.#held.size + this.#takes.takingOrAsked,
    });
    try {
      // Present before the first look, so that workers starting together see each other as early as they can.
      await this.#heartbeat(renew);
      await Promise.all([this.#renewRounds.run(renew), this.#takes.run(take)]);
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
    this.#takes.wake();
  }

  /** Gives up the lease of a shard read to its end (checkpoint SHARD_END), so its children can be taken. */
  async finish(lease: ShardLease): Promise<void> {
    if (this.#held.get(lease.shardId) === lease) {
      this.#held.delete(lease.shardId);
      await this.#release(lease);
    }
    this.#takes.wake();
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
}
