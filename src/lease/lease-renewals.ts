// The renewal round of a worker's held leases: every renew interval, the leases due go in transactions of a few
// dozen, a few at once; a refused transaction's leases go one by one. The coordinator owns the leases and what
// losing one means (lease-coordinator.ts): this round only renews them and says which were lost or asked for.
import type { Logger } from 'pino';
import { classifyError } from '../errors/classify-error.js';
import { errorMessage } from '../errors/replicator-error.js';
import { groupsOf } from '../util/groups-of.js';
import { inOrder } from '../util/in-order.js';
import { sleep } from '../util/sleep.js';
import { renewalDue, renewWaitMs } from './lease-pace.js';
import type { LeaseStore, RenewAllOutcome } from './lease-store.js';
import type { RenewalHealth } from './renewal-health.js';
import type { ShardLease } from './shard-lease.js';

/**
 * Renewals sent in one transaction, and such transactions of one round in flight at once. One renewal a request
 * cost a worker holding 125 leases 75 requests a second, and the lease table a request each: measured against
 * DynamoDB Local, a renewal in a transaction of 25 costs the worker about a fifteenth of the CPU and DynamoDB Local
 * less than half (docs/benchmarks.md). Smaller than DynamoDB's 100 for the same reason as TAKE_CHUNK
 * (lease-takes.ts).
 */
export const RENEW_CHUNK = 25;
export const RENEW_CHUNKS_IN_FLIGHT = 4;
/** Renewals one at a time in flight at once: a chunk whose transaction was refused, renewed lease by lease. */
export const RENEWALS_IN_FLIGHT = 4;

export interface LeaseRenewalsDeps {
  readonly store: Pick<LeaseStore, 'renew' | 'renewAll'>;
  readonly workerId: string;
  readonly clock: () => number;
  readonly renewIntervalMs: number;
  readonly health: RenewalHealth;
  readonly logger: Logger;
  /** The leases held now, read at the start of each round. */
  readonly held: () => readonly ShardLease[];
  /** Sent alongside a round's renewals and awaited with them (the heartbeat, when it is due). */
  readonly alongside: (signal: AbortSignal) => Promise<void> | undefined;
  /** A held lease is lost: taken by another worker, or not renewed within the failover time. */
  readonly lost: (lease: ShardLease, reason: string) => void;
  /** A renewal found the lease asked for by worker `to`. */
  readonly askedFor: (lease: ShardLease, to: string, signal: AbortSignal) => void;
  /** The lease table refused this worker for good (access denied, table deleted). */
  readonly onFatal: (err: unknown) => void;
  readonly behindMs?: ((shardId: string) => number | undefined) | undefined;
}

export class LeaseRenewals {
  readonly #deps: LeaseRenewalsDeps;

  constructor(deps: LeaseRenewalsDeps) {
    this.#deps = deps;
  }

  /** Renews rounds until `signal` aborts. Never throws: a failed renewal is retried by the next round. */
  async run(signal: AbortSignal): Promise<void> {
    const { clock, renewIntervalMs } = this.#deps;
    let roundMs = 0;
    while (!signal.aborted) {
      await sleep(renewWaitMs(renewIntervalMs, roundMs), signal);
      if (signal.aborted) return;
      const started = clock();
      // A few transactions at once: sent all together, the renewals of a worker holding 126 leases waited behind
      // each other in the lease table's queue, and under load the last ones ran out of their timeout (failover / 5)
      // there and the leases were lost (the thousand-shards stage).
      const due = this.#deps.held().filter((lease) => renewalDue(lease.sinceRenewedMs(), renewIntervalMs));
      await Promise.all([
        this.#deps.alongside(signal),
        inOrder(
          groupsOf(due, RENEW_CHUNK),
          RENEW_CHUNKS_IN_FLIGHT,
          (chunk) => this.#renewChunk(chunk, signal),
          () => undefined,
          signal,
        ),
      ]);
      roundMs = clock() - started;
    }
  }

  /**
   * Renews a round's chunk of leases in one transaction. When it is refused, the leases it names go one by one
   * (each renewal alone says what happened to its lease) and the rest in one more transaction.
   */
  async #renewChunk(chunk: readonly ShardLease[], signal: AbortSignal): Promise<void> {
    const { store, clock, health, logger, behindMs } = this.#deps;
    let leases = chunk.filter((lease) => !lease.isLost);
    for (let attempt = 0; attempt < 2 && leases.length > 1; attempt++) {
      const sentAt = clock();
      const seen = leases.map((lease) => ({
        lease: lease.lease,
        behindMs: behindMs?.(lease.shardId),
      }));
      let outcome: RenewAllOutcome;
      try {
        outcome = await store.renewAll(seen, signal);
      } catch (err) {
        if (signal.aborted) return;
        health.failed();
        logger.warn(
          { shards: leases.length, first: leases[0]?.shardId, err: errorMessage(err) },
          'lease renewals failed; retrying',
        );
        if (classifyError(err).kind !== 'retriable') this.#deps.onFatal(err);
        for (const lease of leases) {
          if (lease.remainingMs() <= 0) this.#deps.lost(lease, 'not renewed within the failover time');
        }
        return;
      }
      health.answered();
      if ('renewed' in outcome) {
        leases.forEach((lease, i) => {
          const now = outcome.renewed[i];
          if (now === undefined) return;
          // What the renewal changed, over the lease as held now (a checkpoint may have landed meanwhile).
          const { leaseCounter, lastRenewedAt, behindMs } = now;
          lease.renewed(
            { ...lease.lease, leaseCounter, lastRenewedAt, behindMs, pendingOwner: undefined },
            sentAt,
          );
        });
        return;
      }
      // Another worker took or asked for those leases, a renewal whose answer was lost moved their counters, or
      // another write met the transaction there.
      const refused = new Set(outcome.refused);
      const alone = leases.filter((_, i) => refused.has(i));
      leases = leases.filter((_, i) => !refused.has(i));
      await this.#renewEach(alone, signal);
    }
    await this.#renewEach(leases, signal);
  }

  async #renewEach(leases: readonly ShardLease[], signal: AbortSignal): Promise<void> {
    await inOrder(
      leases,
      RENEWALS_IN_FLIGHT,
      (lease) => this.#renew(lease, signal),
      () => undefined,
      signal,
    );
  }

  async #renew(lease: ShardLease, signal: AbortSignal): Promise<void> {
    if (lease.isLost) return;
    const { store, workerId, clock, health, logger } = this.#deps;
    const sentAt = clock();
    try {
      const renewed = await store.renew(lease.lease, signal, this.#deps.behindMs?.(lease.shardId));
      health.answered();
      if (renewed === undefined) {
        this.#deps.lost(lease, 'another worker took the lease');
        return;
      }
      lease.renewed(renewed, sentAt);
      const to = renewed.pendingOwner;
      if (to !== undefined && to !== workerId) this.#deps.askedFor(lease, to, signal);
    } catch (err) {
      if (signal.aborted) return;
      health.failed();
      logger.warn({ shardId: lease.shardId, err: errorMessage(err) }, 'lease renewal failed; retrying');
      if (classifyError(err).kind !== 'retriable') this.#deps.onFatal(err);
    }
    if (lease.remainingMs() <= 0) this.#deps.lost(lease, 'not renewed within the failover time');
  }
}
