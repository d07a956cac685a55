// The pipelines of the shards one worker holds, one per shard: started as leases are taken, stopped one at a
// time for a handover, and drained together at the worker's stop, the final flush bounded by the shutdown timeout.
import type { Logger } from 'pino';
import type { ReplicationConfig } from '../config/replication-config.js';
import type { LeaseCoordinator } from '../lease/lease-coordinator.js';
import type { FleetTiming } from '../lease/lease-timing.js';
import type { ShardLease } from '../lease/shard-lease.js';
import type { EventBus } from '../observability/events.js';
import { ShardReader } from '../stream/shard-reader.js';
import type { StreamApi } from '../stream/stream-api.js';
import type { Semaphore } from '../util/semaphore.js';
import { sleep } from '../util/sleep.js';
import { LeaseLostError } from '../errors/replicator-error.js';
import type { DeadLetterLane } from '../deadletter/dead-letter-lane.js';
import type { DestinationRules } from '../rules/destination-writes.js';
import type { TableWriter } from '../writer/table-writer.js';
import type { ChangeSink } from '../writer/change-sink.js';
import { ShardPipeline, type PipelineDestination } from './shard-pipeline.js';
import type { ShardSync } from './shard-sync.js';
import type { CheckedTables } from './startup-checks.js';

/** What every pipeline of a worker shares. */
export interface PipelineDeps {
  readonly streams: StreamApi;
  readonly writer: TableWriter;
  readonly memory: Semaphore;
  readonly tables: CheckedTables;
  readonly coordinator: LeaseCoordinator;
  readonly shardSync: ShardSync;
  readonly timing: FleetTiming;
  readonly rules: DestinationRules | undefined;
  /** `--on-reject dead-letter`: the task's lane, shared by its shards. */
  readonly deadLetters: DeadLetterLane | undefined;
  /** A fan-out's further destinations (empty for one destination). */
  readonly fanOut: readonly PipelineDestination[];
  /** Writes every flush instead of the destination writer (two-way, spool); undefined: the writer. */
  readonly sink?: ChangeSink | undefined;
}

export class ShardPipelines {
  readonly #config: ReplicationConfig;
  readonly #events: EventBus;
  readonly #logger: Logger;
  /** The worker's stop: every pipeline flushes, checkpoints and ends. */
  readonly #stop: AbortSignal;
  readonly #onFail: (err: unknown) => void;
  readonly #abandon = new AbortController();
  readonly #pipelines = new Map<string, { readonly stop: AbortController; readonly done: Promise<void> }>();

  constructor(deps: {
    config: ReplicationConfig;
    events: EventBus;
    logger: Logger;
    stop: AbortSignal;
    onFail: (err: unknown) => void;
  }) {
    this.#config = deps.config;
    this.#events = deps.events;
    this.#logger = deps.logger;
    this.#stop = deps.stop;
    this.#onFail = deps.onFail;
  }

  /** Starts the pipeline of a shard just taken. */
  start(lease: ShardLease, deps: PipelineDeps): void {
    const config = this.#config;
    const shardId = lease.shardId;
    const logger = this.#logger.child({ shardId });
    const reader = new ShardReader({
      api: deps.streams,
      streamArn: deps.tables.streamArn,
      shardId,
      batchSize: config.batchSize,
      pollIntervalMs: config.pollIntervalMs,
      maxPollIntervalMs: config.maxPollIntervalMs,
      events: this.#events,
      logger,
      withOldImages:
        deps.sink?.needsOldImages ??
        (deps.rules !== undefined || deps.fanOut.some((d) => d.rules !== undefined)),
    });
    const pipeline = new ShardPipeline({
      lease,
      reader,
      writer: deps.writer,
      keyAttributes: deps.tables.keyAttributes,
      memory: deps.memory,
      writeRequestTimeoutMs: deps.timing.writeRequestTimeoutMs,
      checkpointIntervalMs: config.checkpointIntervalMs,
      events: this.#events,
      logger,
      rules: deps.rules,
      deadLetters: deps.deadLetters,
      fanOut: deps.fanOut,
      sink: deps.sink,
    });
    const stop = new AbortController();
    // One pipeline per shard in this worker, ever: if the shard was taken again while its previous pipeline is
    // still winding down (its lease lost mid-checkpoint), the new one starts only once the old one has ended.
    const previous = this.#pipelines.get(shardId)?.done ?? Promise.resolve();
    const running: Promise<void> = previous
      .then(() => pipeline.run(AbortSignal.any([this.#stop, stop.signal]), this.#abandon.signal))
      .then(async (outcome) => {
        // A stopped shard keeps its lease until releaseAll hands it over; others are done with it now.
        if (outcome === 'ended') {
          await deps.coordinator.finish(lease);
          deps.shardSync.notify();
        } else if (outcome === 'lost') {
          deps.coordinator.drop(lease);
        }
      })
      .catch((err: unknown) => {
        // A lease lost anywhere on the way (the end mark, finishing the lease) ends this shard here; another
        // worker takes it from its last checkpoint. Only other errors stop the worker.
        if (err instanceof LeaseLostError) {
          this.#logger.warn({ shardId, err: err.message }, 'lease lost; the shard is left to its next owner');
          deps.coordinator.drop(lease);
          return;
        }
        this.#onFail(err);
      })
      .finally(() => {
        if (this.#pipelines.get(shardId)?.done === running) this.#pipelines.delete(shardId);
      });
    this.#pipelines.set(shardId, { stop, done: running });
  }

  /** For a handover: stops the shard's pipeline and waits until it has ended. */
  async stopOne(shardId: string): Promise<void> {
    const pipeline = this.#pipelines.get(shardId);
    pipeline?.stop.abort();
    await pipeline?.done;
  }

  /** At the stop: waits for every pipeline's final flush, at most the shutdown timeout, then abandons the rest. */
  async drain(): Promise<void> {
    const all = Promise.all([...this.#pipelines.values()].map((p) => p.done));
    const timeout = sleep(this.#config.shutdownTimeoutMs, this.#abandon.signal).then(
      () => 'timeout' as const,
    );
    const first = await Promise.race([all.then(() => 'done' as const), timeout]);
    if (first === 'timeout') {
      this.#logger.warn(
        { shards: [...this.#pipelines.keys()], timeoutMs: this.#config.shutdownTimeoutMs },
        'final flush did not finish in time; its records stay after the checkpoint and will be replayed',
      );
    }
    this.#abandon.abort();
    await all;
  }
}
