// The take loop of a worker: each look reads the lease table (leases and presence items), tracks which leases
// expired and which workers are gone by watching their counters, chooses this worker's share (lease-decision.ts),
// takes it in chunks, asks for leases held by others to balance the fleet, and removes presence items of workers
// gone. A starting worker waits a short settle before it acts, so that workers started together split the shards
// at once (start-settle.ts). The coordinator owns the held leases (lease-coordinator.ts): this loop only takes
// them and passes each one on.
import type { Logger } from 'pino';
import { classifyError } from '../errors/classify-error.js';
import { errorMessage } from '../errors/replicator-error.js';
import type { EventBus } from '../observability/events.js';
import { groupsOf } from '../util/groups-of.js';
import { inOrder } from '../util/in-order.js';
import { sleep } from '../util/sleep.js';
import { Wakeup } from '../util/wakeup.js';
import { ExpiryTracker } from './expiry-tracker.js';
import { FreeLeaseAges } from './free-lease-ages.js';
import { isFinished, type Lease } from './lease.js';
import { chooseLeasesToTake, isReady, type ElsewhereInPlan, type LeaseChoice } from './lease-decision.js';
import { isSettled, lookIntervalMs, nextLookWaitMs } from './lease-pace.js';
import type { LeaseStore } from './lease-store.js';
import type { FleetTiming } from './lease-timing.js';
import { onTheirWay, taskLook, type TaskLook } from './plan-share.js';
import { ShardLease } from './shard-lease.js';
import { SETTLE_START, settleAfterLook, type Settling } from './start-settle.js';

/** Hand-over requests of one look in flight at once. */
export const ASKS_IN_FLIGHT = 8;

/**
 * Leases taken in one transaction. DynamoDB takes up to 100 items in one; a smaller chunk is refused less often
 * (one lease taken by someone else sends the whole chunk to one-at-a-time takes).
 */
export const TAKE_CHUNK = 25;

export interface LeaseTakesDeps {
  readonly store: LeaseStore;
  readonly workerId: string;
  readonly timing: FleetTiming;
  readonly clock: () => number;
  readonly events: EventBus;
  readonly logger: Logger;
  /** Shard ids the stream lists now (from shard discovery), for the parents-first rule. */
  readonly streamShardIds: () => ReadonlySet<string> | undefined;
  /** Shard ids of the leases held now. */
  readonly heldShardIds: () => ReadonlySet<string>;
  /** In a plan: the other tasks as this worker last saw them (plan-share.ts). */
  readonly elsewhere?: (() => ElsewhereInPlan) | undefined;
  /** A lease was taken: the coordinator holds it from now on (before `lease.taken` is emitted). */
  readonly hold: (lease: ShardLease) => void;
  /** Called for each lease taken, after `lease.taken`; the caller starts the shard's pipeline. */
  readonly onAcquired: (lease: ShardLease) => void;
  /** The lease table refused this worker for good (access denied, table deleted). */
  readonly onFatal: (err: unknown) => void;
}

export class LeaseTakes {
  readonly #deps: LeaseTakesDeps;
  readonly #expiry: ExpiryTracker;
  /** Judges other workers' presence items gone the way #expiry judges leases expired. */
  readonly #presence: ExpiryTracker;
  readonly #freeAges: FreeLeaseAges;
  /** The start settle (start-settle.ts) until the first look that acts; undefined from then on. */
  #settling: Settling | undefined = SETTLE_START;
  /** Looks in a row that found the table settled (lease-pace.ts). */
  #settledLooks = 0;
  readonly #takeNow = new Wakeup();
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

  constructor(deps: LeaseTakesDeps) {
    this.#deps = deps;
    this.#expiry = new ExpiryTracker(deps.timing.failoverMs);
    this.#presence = new ExpiryTracker(deps.timing.failoverMs);
    this.#freeAges = new FreeLeaseAges(deps.timing.dealtWaitMs);
  }

  /** The lease table as last read. */
  get lastLeases(): readonly Lease[] {
    return this.#lastLeases;
  }

  /** What the last look saw besides this worker's leases; undefined before the first look. */
  get lastLook(): TaskLook | undefined {
    return this.#lastLook;
  }

  /** Takes sent and not yet answered, and leases asked for: already this worker's for the plan's other tasks. */
  get takingOrAsked(): number {
    return this.#taking + this.#asked;
  }

  /**
   * Shards nobody reads as the last look saw them (no owner or an expired lease; not finished; parents done, so
   * a child waiting for its parent is not counted); undefined before the first look.
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

  /** Looks again now instead of at the end of the wait. */
  wake(): void {
    this.#takeNow.notify();
  }

  /** Looks and takes until `signal` aborts, or until the lease table refuses this worker for good. */
  async run(signal: AbortSignal): Promise<void> {
    const { clock, timing } = this.#deps;
    while (!signal.aborted) {
      try {
        const look = await this.#look(signal);
        if (this.#settle(look)) {
          await sleep(timing.startSettleMs, signal);
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
      const interval = lookIntervalMs(timing, this.#settledLooks);
      await this.#takeNow.wait(signal, nextLookWaitMs(interval, expiresAt, clock()));
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
    const { store, workerId, elsewhere } = this.#deps;
    const { leases, workers } = await store.listFleet(signal);
    this.#lastLeases = leases;
    const now = this.#deps.clock();
    const expired = this.#expiry.observe(leases, now);
    this.#lastExpired = expired;
    const gone = this.#presence.observe(
      workers.map((w) => ({ leaseKey: w.workerId, leaseOwner: w.workerId, leaseCounter: w.heartbeat })),
      now,
    );
    const liveWorkers = new Set(workers.map((w) => w.workerId).filter((id) => !gone.has(id)));
    this.#lastLook = taskLook(leases, expired, liveWorkers, workerId);
    const choice = chooseLeasesToTake({
      leases,
      workerId,
      held: this.#deps.heldShardIds(),
      expired,
      streamShardIds: this.#deps.streamShardIds(),
      liveWorkers,
      ...(elsewhere === undefined ? {} : { elsewhere: elsewhere() }),
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
      held: this.#deps.heldShardIds(),
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
    const { store, workerId, clock } = this.#deps;
    for (const chunk of groupsOf(chosen, TAKE_CHUNK)) {
      if (signal.aborted) return;
      if (chunk.length > 1) {
        const sentAt = clock();
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
        const sentAt = clock();
        const taken = await store.take(seen, workerId, signal);
        this.#taking -= 1;
        if (taken !== undefined) this.#taken(seen, taken, sentAt); // else another worker was faster
      }
    }
  }

  /** A lease this worker took, its validity counted from `sentAt` (when the take was sent). */
  #taken(seen: Lease, taken: Lease, sentAt: number): void {
    const { store, workerId, events, timing, clock } = this.#deps;
    const lease = new ShardLease(taken, sentAt, { store, workerId, timing, clock });
    this.#deps.hold(lease);
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
