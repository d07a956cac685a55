// Composition and lifecycle of one worker: startup checks, the lease table, shard discovery, the lease
// coordinator, and one pipeline per held shard. Stop order: stop taking leases and reading, flush and
// checkpoint what was read (bounded by the shutdown timeout), release the leases, then stop renewing.
// A shard that cannot go on stops the whole worker with that shard's error, after the same clean stop.
import type { Logger } from 'pino';
import type { BootstrapOptions } from '../bootstrap/bootstrap-options.js';
import { runBootstrapStep } from '../bootstrap/bootstrap-run.js';
import type { ReplicationConfig } from '../config/replication-config.js';
import { errorMessage } from '../errors/replicator-error.js';
import { LeaseCoordinator } from '../lease/lease-coordinator.js';
import { leaseTiming } from '../lease/lease-timing.js';
import { DynamoLeaseStore } from '../lease/dynamo-lease-store.js';
import type { LeaseStore } from '../lease/lease-store.js';
import type { EventBus } from '../observability/events.js';
import type { TaskHealth } from '../observability/health-check.js';
import { SdkStreamApi } from '../stream/stream-api.js';
import { prepareLeaseTable, recordFailure } from './lease-table-setup.js';
import { bootstrapItemsFrom } from '../bootstrap/bootstrap-items.js';
import { deadLetterLane, prepareDeadLetterTable } from './dead-letter-setup.js';
import { ProgressTracker } from '../observability/progress-tracker.js';
import type { PlanShare } from '../lease/plan-share.js';
import { retrying } from '../util/retry.js';
import { TableWriter } from '../writer/table-writer.js';
import { roleSessionName } from '../config/credential-source.js';
import { DATA_PATH, STARTUP, STREAM_READS } from './aws-clients.js';
import { Semaphore } from '../util/semaphore.js';
import { processResources, type ProcessResources } from './process-resources.js';
import { SideClients } from './side-clients.js';
import { ShardPipelines } from './shard-pipelines.js';
import { ShardSync } from './shard-sync.js';
import { checkTables, describeFailure, type CheckedTables, type KeyAttribute } from './startup-checks.js';
import { destinationRules, expectedDestinationKey, loadRuleTransform } from '../rules/destination-rules.js';
import type { DestinationRules } from '../rules/destination-writes.js';
import type { ChangeSink } from '../writer/change-sink.js';
import type { SpoolRun } from '../spool/spool-phases.js';
import type { Slots } from '../util/semaphore.js';
import type { FleetTiming } from '../lease/lease-timing.js';

export type ReplicatorStatus = 'STARTING' | 'RUNNING' | 'STOPPING' | 'STOPPED' | 'FAILED';

export interface ReplicatorDeps {
  readonly config: ReplicationConfig;
  readonly events: EventBus;
  readonly logger: Logger;
  /** A bootstrap copy before replicating (`replicate --bootstrap`), or instead of it (`bootstrap`). */
  readonly bootstrap?: BootstrapOptions | undefined;
  /** Shared with the other tasks of a plan; a single task has its own (from its config). */
  readonly resources?: ProcessResources | undefined;
  /** In a plan: the fair share over every task (lease/plan-share.ts), this one named `task` there. */
  readonly plan?: { readonly share: PlanShare; readonly task: string } | undefined;
  /** The caller's, when it shows progress too; else one of its own, for the lag its renewals record. */
  readonly tracker?: ProgressTracker | undefined;
  /**
   * Where the flushes go instead of the destination table (two-way replication, spool mode), made once the
   * start-up checks passed; the worker closes what it returns when it stops. Undefined: the destination writer.
   */
  readonly sink?: SinkFactory | undefined;
}

/** What a sink is made from: the worker's clients (source, destination, lease side), the checked tables. */
export interface SinkContext {
  readonly clients: SideClients;
  readonly tables: CheckedTables;
  readonly timing: FleetTiming;
  /** The worker's bound on write requests in flight (a plan's is shared). */
  readonly writeSlots: Slots;
  readonly events: EventBus;
  readonly logger: Logger;
  readonly signal: AbortSignal;
}

export type SinkFactory = (context: SinkContext) => ChangeSink & { close?(): void };

export class Replicator {
  readonly #config: ReplicationConfig;
  /** The task's rules, built at start once the tables are known. */
  #rules: DestinationRules | undefined;
  /** The rules of a fan-out's further destinations, in the config's order. */
  #fanOutRules: (DestinationRules | undefined)[] = [];
  readonly #events: EventBus;
  readonly #logger: Logger;
  readonly #bootstrap: BootstrapOptions | undefined;
  readonly #clients: SideClients;
  readonly #resources: ProcessResources;
  readonly #plan: ReplicatorDeps['plan'];
  readonly #tracker: ProgressTracker;
  readonly #sink: SinkFactory | undefined;
  readonly #stop = new AbortController();
  readonly #pipelines: ShardPipelines;
  #status: ReplicatorStatus = 'STARTING';
  #failure: Error | undefined;
  #coordinator: LeaseCoordinator | undefined;
  /** The start-up checks passed (tables, stream, permissions, lease table): for readiness. */
  #checked = false;

  constructor(deps: ReplicatorDeps) {
    this.#config = deps.config;
    this.#events = deps.events;
    this.#logger = deps.logger;
    this.#bootstrap = deps.bootstrap;
    this.#resources = deps.resources ?? processResources(deps.config);
    this.#plan = deps.plan;
    this.#sink = deps.sink;
    this.#tracker = deps.tracker ?? new ProgressTracker(deps.events);
    this.#pipelines = new ShardPipelines({
      config: deps.config,
      events: deps.events,
      logger: deps.logger,
      stop: this.#stop.signal,
      onFail: (err) => this.#fail(err),
    });
    this.#clients = new SideClients(deps.config, {
      logger: deps.logger,
      sessionName: roleSessionName(deps.config.workerId),
    });
  }

  get status(): ReplicatorStatus {
    return this.#status;
  }

  /** What the health check (observability/health-check.ts) needs of this task now. */
  health(): TaskHealth {
    const config = this.#config;
    const renewals = this.#coordinator?.renewals;
    return {
      task: config.taskName,
      status: this.#status,
      checked: this.#checked,
      copying: this.#bootstrap !== undefined,
      joined: renewals?.hasJoined ?? false,
      shards: this.#tracker.stalls(),
      renewalsFailingForMs: renewals?.failingForMs(),
      leaseTable: config.lease.tableName,
      failoverMs: config.failoverMs,
      stallTimeoutMs: config.stallTimeoutMs,
    };
  }

  /** Shards this worker reads now. */
  heldShards(): string[] {
    return this.#coordinator?.held().map((lease) => lease.shardId) ?? [];
  }

  /** For the metrics: shards of this task nobody reads, as the last look at the lease table saw them. */
  unownedShards(): number | undefined {
    return this.#coordinator?.unownedShards;
  }

  /** For the metrics: the memory budget of records read and not yet written (a plan's is shared). */
  get bufferMemory(): Semaphore {
    return this.#resources.memory;
  }

  /** Asks for a clean stop; `run()` resolves once it is done. Safe to call more than once. */
  stop(): void {
    if (this.#status === 'RUNNING' || this.#status === 'STARTING') this.#status = 'STOPPING';
    this.#stop.abort();
  }

  async run(): Promise<void> {
    const config = this.#config;
    const clients = this.#clients;
    const sourceStartup = clients.dynamo('source', STARTUP);
    const destinationStartup = clients.dynamo('destination', STARTUP);
    const fanOutStartup = config.fanOut.map((target) =>
      clients.dynamoAt('destination', target.destination, STARTUP),
    );
    const streamsStartupClient = clients.streams(STARTUP);
    const streamsStartup = new SdkStreamApi(streamsStartupClient);
    const leaseClient = clients.dynamo('lease', {
      ...STARTUP,
      requestTimeoutMs: Math.max(1_000, Math.round(config.failoverMs / 5)),
    });
    // Set once the lease table is known to exist: a failure from then on is recorded there for `status`.
    let leaseTable: LeaseStore | undefined;
    try {
      await clients.checkCredentials(
        ['source', 'destination', 'lease'],
        config.fanOut.map((target) => ({ side: 'destination' as const, location: target.destination })),
      );
      if (this.#stop.signal.aborted) return;
      const loaded = await loadRuleTransform(config.rules);
      const fanOutLoaded = await Promise.all(config.fanOut.map((target) => loadRuleTransform(target.rules)));
      const tables = await checkTables(
        {
          sourceClient: sourceStartup,
          destinationClient: destinationStartup,
          streams: streamsStartup,
          ...config,
          logger: this.#logger,
          expectedDestinationKey: (key) => expectedDestinationKey(key, config.rules, loaded),
          fanOutChecks: config.fanOut.map((target, i) => ({
            destination: target.destination,
            destinationClient: fanOutStartup[i] ?? destinationStartup,
            createDestTable: target.createDestTable,
            expectedDestinationKey: (key: readonly KeyAttribute[]) =>
              expectedDestinationKey(key, target.rules, fanOutLoaded[i]),
          })),
        },
        this.#stop.signal,
      );
      this.#rules =
        config.rules === undefined
          ? undefined
          : destinationRules(config.rules, loaded, {
              sourceTable: config.source.tableName,
              destinationTable: config.destination.tableName,
              viewType: tables.viewType,
              sourceKey: tables.keySchema,
              destinationKey: tables.destinationKeySchema,
            });
      this.#fanOutRules = config.fanOut.map((target, i) =>
        target.rules === undefined
          ? undefined
          : destinationRules(target.rules, fanOutLoaded[i], {
              sourceTable: config.source.tableName,
              destinationTable: target.destination.tableName,
              viewType: tables.viewType,
              sourceKey: tables.keySchema,
              destinationKey: tables.fanOutKeySchemas?.[i] ?? tables.keySchema,
            }),
      );
      const store = new DynamoLeaseStore(leaseClient, config.lease.tableName, {
        failoverMs: config.failoverMs,
      });
      const fleet = await prepareLeaseTable(store, tables.streamArn, config, this.#logger, this.#stop.signal);
      leaseTable = store;
      await prepareDeadLetterTable(leaseClient, config, this.#logger, this.#stop.signal);
      this.#checked = true;
      if (this.#stop.signal.aborted) return;
      // Bootstrap copy (src/bootstrap/): records the stream positions as the leases the first shard sync would
      // create, copies the table, and only then lets the worker replicate from those positions. Without
      // --bootstrap it only refuses a task whose copy is unfinished. `bootstrap` (copy only) ends after it.
      const spool = await runBootstrapStep(
        {
          config,
          tables,
          options: this.#bootstrap,
          rules: this.#rules,
          fanOutRules: this.#fanOutRules,
          clients,
          writeSlots: this.#resources.writeSlots,
          leaseClient,
          events: this.#events,
          logger: this.#logger,
          copyAtStart: bootstrapItemsFrom(fleet.copyItems),
        },
        this.#stop.signal,
      );
      // A spool-mode copy runs beside the consumers, `bootstrap` included (it stops once the copy is done).
      if (!this.#stop.signal.aborted && (this.#bootstrap?.copyOnly !== true || spool !== undefined))
        await this.#runWorker(store, tables, spool);
      if (this.#failure !== undefined)
        await recordFailure(store, config.workerId, this.#failure, this.#logger);
    } catch (err) {
      if (this.#stop.signal.aborted && this.#failure === undefined) {
        // Stopped while starting: the aborted request is ours, not a failure to report.
        this.#status = 'STOPPED';
        return;
      }
      this.#status = 'FAILED';
      if (leaseTable !== undefined)
        await recordFailure(leaseTable, config.workerId, this.#failure ?? err, this.#logger);
      throw err;
    } finally {
      sourceStartup.destroy();
      destinationStartup.destroy();
      for (const client of fanOutStartup) client.destroy();
      streamsStartupClient.destroy();
      leaseClient.destroy();
    }
    if (this.#failure !== undefined) {
      this.#status = 'FAILED';
      throw this.#failure;
    }
    this.#status = 'STOPPED';
  }

  async #runWorker(store: LeaseStore, tables: CheckedTables, spool?: SpoolRun): Promise<void> {
    const config = this.#config;
    const destination = this.#clients.dynamo('destination', DATA_PATH);
    const streamsClient = this.#clients.streams(STREAM_READS);
    const streams = new SdkStreamApi(streamsClient);
    const timing = leaseTiming(config.failoverMs);
    const writer = new TableWriter({
      client: destination,
      tableName: config.destination.tableName,
      keyAttributes: tables.keyAttributes,
      requestSlots: this.#resources.writeSlots,
      events: this.#events,
      // Short enough that a request never outlives the lease it was sent under (see ShardLease).
      requestTimeoutMs: timing.writeRequestTimeoutMs,
    });
    // Every further destination of a fan-out has its own client, writer and write slots: a slow one holds back
    // only its own requests (and, once the memory budget is full, the reader).
    const fanOutClients = config.fanOut.map((target) =>
      this.#clients.dynamoAt('destination', target.destination, DATA_PATH),
    );
    const fanOut = config.fanOut.map((target, i) => ({
      writer: new TableWriter({
        client: fanOutClients[i] ?? destination,
        tableName: target.destination.tableName,
        keyAttributes: tables.keyAttributes,
        requestSlots: new Semaphore(config.writeConcurrency),
        events: this.#events,
        requestTimeoutMs: timing.writeRequestTimeoutMs,
      }),
      rules: this.#fanOutRules[i],
    }));
    const deadLetterClient =
      config.deadLetters === undefined ? undefined : this.#clients.dynamo('lease', DATA_PATH);
    const deadLetters =
      deadLetterClient === undefined
        ? undefined
        : deadLetterLane(deadLetterClient, config, tables, {
            writer,
            rules: this.#rules,
            events: this.#events,
            logger: this.#logger,
          });
    const sink = (spool?.sink ?? this.#sink)?.({
      clients: this.#clients,
      tables,
      timing,
      writeSlots: this.#resources.writeSlots,
      events: this.#events,
      logger: this.#logger,
      signal: this.#stop.signal,
    });
    const memory = this.#resources.memory;
    const take = new AbortController();
    const renew = new AbortController();
    const shardSync = new ShardSync({
      config,
      store,
      streams,
      streamArn: tables.streamArn,
      events: this.#events,
      logger: this.#logger,
      onCreated: () => this.#coordinator?.wake(),
      onFatal: (err) => this.#fail(err),
    });

    const coordinator: LeaseCoordinator = new LeaseCoordinator({
      store,
      workerId: config.workerId,
      failoverMs: config.failoverMs,
      events: this.#events,
      logger: this.#logger,
      streamShardIds: () => shardSync.shardIds(),
      behindMs: (shardId) => this.#tracker.behindMs(shardId),
      onAcquired: (lease) => {
        this.#pipelines.start(lease, {
          streams,
          writer,
          memory,
          tables,
          coordinator,
          shardSync,
          timing,
          rules: this.#rules,
          deadLetters,
          fanOut,
          sink,
        });
      },
      onHandoverRequested: async (lease) => {
        await this.#pipelines.stopOne(lease.shardId);
      },
      onFatal: (err) => this.#fail(describeFailure(err, 'lease', config.lease, 'use the lease table')),
      plan: this.#plan,
    });
    this.#coordinator = coordinator;

    try {
      // The first sync must succeed before anything is read; transient failures are waited out.
      await retrying(() => shardSync.sync(this.#stop.signal), {
        signal: this.#stop.signal,
        onRetry: (reason) => this.#logger.warn({ reason }, 'shard discovery failed; retrying'),
      });
      this.#status = 'RUNNING';
      this.#logger.info(
        { workerId: config.workerId, leaseTable: store.tableName, streamArn: tables.streamArn },
        'replicating',
      );
      const coordinating = coordinator.run(take.signal, renew.signal);
      const syncing = shardSync.run(take.signal);
      const copying = spool?.run(this.#stop.signal).then(
        () => {
          if (this.#bootstrap?.copyOnly === true) this.stop();
        },
        (err: unknown) => this.#fail(err),
      );
      await new Promise<void>((resolve) => {
        if (this.#stop.signal.aborted) resolve();
        this.#stop.signal.addEventListener('abort', () => resolve(), { once: true });
      });
      take.abort();
      await copying;
      await this.#pipelines.drain();
      await coordinator.releaseAll();
      renew.abort();
      await Promise.all([coordinating, syncing]);
    } finally {
      take.abort();
      renew.abort();
      destination.destroy();
      for (const client of fanOutClients) client.destroy();
      streamsClient.destroy();
      deadLetterClient?.destroy();
      sink?.close?.();
    }
  }

  #fail(err: unknown): void {
    if (this.#failure === undefined) {
      this.#failure = err instanceof Error ? err : new Error(String(err));
      this.#logger.error({ err: errorMessage(err) }, 'stopping the worker');
    }
    this.stop();
  }
}
