// Shard discovery for one worker: lists the stream's shards, creates a lease for each new one, removes finished
// leases of shards the stream no longer has, and says when the stream is disabled with every shard done. Runs
// once before the worker reads anything, then every --shard-sync-interval-ms and whenever a shard ends.
import type { Logger } from 'pino';
import type { ReplicationConfig } from '../config/replication-config.js';
import { classifyError } from '../errors/classify-error.js';
import { ReplicatorError, errorMessage } from '../errors/replicator-error.js';
import { finishedLeasesToDelete } from '../lease/finished-leases.js';
import { isFinished, type Lease } from '../lease/lease.js';
import type { LeaseStore } from '../lease/lease-store.js';
import { creationOrder } from '../lease/creation-order.js';
import { leasesToCreate } from '../lease/new-leases.js';
import type { EventBus } from '../observability/events.js';
import type { StreamApi } from '../stream/stream-api.js';
import { Wakeup } from '../util/wakeup.js';
import { inOrder } from '../util/in-order.js';
import { groupsOf } from '../util/groups-of.js';
import { describeFailure } from './startup-checks.js';

export interface ShardSyncDeps {
  readonly config: Pick<ReplicationConfig, 'source' | 'startPosition' | 'shardSyncIntervalMs' | 'workerId'>;
  readonly store: LeaseStore;
  readonly streams: StreamApi;
  readonly streamArn: string;
  readonly events: EventBus;
  readonly logger: Logger;
  /** New leases were created: the coordinator may take them now rather than at its next round. */
  readonly onCreated: () => void;
  /** Discovery cannot go on (no permission, or the stream is disabled and fully replicated). */
  readonly onFatal: (err: Error) => void;
}

/** Leases created in one transaction: all or none (DynamoDB takes 100; smaller meets other workers' less often). */
export const CREATE_TRANSACTION = 25;
/** Creation transactions in flight during one sync. */
const TRANSACTIONS_IN_FLIGHT = 4;
/** Creations between two looks at what other workers created meanwhile (only when some were refused). */
const CREATE_CHUNK = CREATE_TRANSACTION * TRANSACTIONS_IN_FLIGHT;
/** Single creations in flight, for what a refused transaction held and the table still lacks. */
const CREATE_CONCURRENCY = 16;

export class ShardSync {
  readonly #deps: ShardSyncDeps;
  readonly #now = new Wakeup();
  #shardIds: ReadonlySet<string> | undefined;

  constructor(deps: ShardSyncDeps) {
    this.#deps = deps;
  }

  /** The stream's shard ids at the last sync; undefined before the first. */
  shardIds(): ReadonlySet<string> | undefined {
    return this.#shardIds;
  }

  /** Looks again now (a shard ended, so its children may be new), not at the next interval. */
  notify(): void {
    this.#now.notify();
  }

  /** Syncs every interval (or on notify) until the signal; transient failures wait for the next round. */
  async run(signal: AbortSignal): Promise<void> {
    const { config, logger } = this.#deps;
    while (!signal.aborted) {
      await this.#now.wait(signal, config.shardSyncIntervalMs);
      if (signal.aborted) return;
      try {
        await this.sync(signal);
      } catch (err) {
        if (signal.aborted) return;
        if (classifyError(err).kind !== 'retriable') {
          this.#deps.onFatal(
            describeFailure(err, 'source', config.source, 'read the stream (dynamodb:DescribeStream)'),
          );
          return;
        }
        logger.warn({ err: errorMessage(err) }, 'shard discovery failed; retrying');
      }
    }
  }

  /** One look at the stream; throws what the stream or lease table answered. */
  async sync(signal?: AbortSignal): Promise<void> {
    const { config, store, streams, streamArn, events, logger } = this.#deps;
    const { shards, status } = await streams.listShards(streamArn, signal);
    const existing = await store.list(signal);
    if (status === 'DISABLED' && existing.length > 0 && existing.every(isFinished)) {
      // Every record the stream had is replicated and no new one will come: say so and stop, rather than idle.
      this.#deps.onFatal(
        new ReplicatorError(
          `the stream of source table ${config.source.tableName} is disabled (the stream was turned off or the table deleted): every shard was replicated to its end, nothing after that can be; re-enable the stream and start a new task (with --bootstrap), or delete the lease table ${store.tableName}`,
        ),
      );
      return;
    }
    const shardIds = new Set(shards.map((s) => s.shardId));
    this.#shardIds = shardIds;
    let created = 0;
    // Several at once: a table of a thousand shards took one conditional PutItem after another, 26-53 s before a
    // fleet started together could take anything (the thousand-shards stage). Each worker starts at its own place
    // (creation-order.ts) and says what it made after each chunk, so that takes begin before the last lease
    // exists. The leases go in transactions of CREATE_TRANSACTION: one PutItem each made eight workers starting
    // together send ~2,300 creations for 1,000 shards (1,300 refused), the heaviest load on the lease table of
    // the whole cold start. Once another worker's leases refuse a transaction, this one looks at the table again,
    // creates one by one what that transaction held and the table still lacks, and skips what exists.
    let remaining = creationOrder(
      leasesToCreate(shards, existing, config.startPosition, streamArn),
      config.workerId,
    );
    while (remaining.length > 0 && signal?.aborted !== true) {
      const chunk = remaining.slice(0, CREATE_CHUNK);
      remaining = remaining.slice(CREATE_CHUNK);
      let made = 0;
      const refused: Lease[] = [];
      await inOrder(
        groupsOf(chunk, CREATE_TRANSACTION),
        TRANSACTIONS_IN_FLIGHT,
        (group) => store.createAll(group, signal),
        (ok, group) => {
          if (ok) made += group.length;
          else refused.push(...group);
        },
        signal,
      );
      if (refused.length > 0) {
        const now = new Set((await store.list(signal)).map((lease) => lease.leaseKey));
        await inOrder(
          refused.filter((lease) => !now.has(lease.leaseKey)),
          CREATE_CONCURRENCY,
          (lease) => store.create(lease, signal),
          (ok) => {
            if (ok) made += 1;
          },
          signal,
        );
        remaining = remaining.filter((lease) => !now.has(lease.leaseKey));
      }
      created += made;
      if (made > 0) this.#deps.onCreated();
    }
    for (const finished of finishedLeasesToDelete(existing, shardIds)) {
      if (await store.deleteFinished(finished.leaseKey, signal)) {
        logger.info({ shardId: finished.leaseKey }, 'removed finished lease of a shard gone from the stream');
      }
    }
    const open = shards.filter((s) => s.endingSequenceNumber === undefined).length;
    events.emit('shards.synced', { total: shards.length, open, created });
  }
}
