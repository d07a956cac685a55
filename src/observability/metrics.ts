// Prometheus metrics fed by the core's events (served by metrics-server.ts). Counters carry the task but no shard
// label: shards come and go every few hours and would grow the series without bound; the per-shard lag gauge is
// rebuilt at each scrape. Gauges read their values through callbacks when scraped: no I/O of their own.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { EventBus } from './events.js';
import type { HealthVerdict } from './health-check.js';
import type { ProgressTracker } from './progress-tracker.js';

export { serveMetrics } from './metrics-server.js';

/** ddb_replicator_spool_phase's values (any state before the drains is copying). */
const SPOOL_PHASES: Readonly<Record<string, number>> = { draining: 2, switching: 3, done: 4 };

/** What the per-task gauges read when they are collected. */
interface TaskGauges extends TaskSources {
  readonly tracker: ProgressTracker;
  readonly heldLeases: () => number;
}

/** More of a task, read at each scrape. */
export interface TaskSources {
  /**
   * Shards of the task that no worker reads, as this worker's last look at the lease table saw them (no owner or
   * an expired lease, not finished, parents done); undefined before the first look.
   */
  readonly unownedShards?: (() => number | undefined) | undefined;
}

/** What the whole process shares, read at each scrape. */
export interface ProcessSources {
  /** The verdict /healthz and /readyz answer (over every task of a plan). */
  readonly health: () => HealthVerdict;
  /** The memory budget of stream records read and not yet written (--max-buffer-mb), shared by a plan's tasks. */
  readonly buffer?: { readonly used: number; readonly capacity: number } | undefined;
}

/**
 * The process's metrics. Every series carries the task it belongs to (`task`: the task name, one per table pair of a
 * plan), so a plan of many tables is one scrape and a dashboard sums or splits by task as it likes.
 */
export class ReplicatorMetrics {
  readonly registry = new Registry();
  readonly #tasks = new Map<string, TaskGauges>();
  /** Tasks that failed in this process: their gauges went with them, this one stays for alerts. */
  readonly #failed = new Set<string>();
  readonly #read: Counter;
  readonly #written: Counter;
  readonly #applied: Counter;
  readonly #filtered: Counter;
  readonly #ttlDeletes: Counter;
  readonly #deadLettered: Counter;
  readonly #conflicts: Counter;
  readonly #retries: Counter;
  readonly #flushSeconds: Histogram;
  readonly #leaseChanges: Counter;
  readonly #copied: Counter;
  readonly #copyEstimated: Gauge;
  readonly #copyFleet: Gauge;
  readonly #spoolPhase: Gauge;
  readonly #spooled: Counter;
  readonly #spoolFleet: Gauge;
  readonly #drained: Counter;
  readonly #drainFleet: Gauge;
  #process: ProcessSources | undefined;
  /** A fan-out's records each destination has still to write, per task, shard and destination. */
  readonly #backlogs = new Map<string, Map<string, Map<string, number>>>();

  constructor() {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: 'ddb_replicator_process_' });
    this.#read = new Counter({
      name: 'ddb_replicator_records_read_total',
      help: 'Stream records read',
      labelNames: ['task'],
      registers,
    });
    this.#written = new Counter({
      name: 'ddb_replicator_items_written_total',
      help: 'Items written to the destination after squashing',
      labelNames: ['task', 'op'],
      registers,
    });
    this.#filtered = new Counter({
      name: 'ddb_replicator_records_filtered_total',
      help: 'Changes kept out of a destination by its filter or transform (after squashing)',
      labelNames: ['task', 'destination'],
      registers,
    });
    this.#ttlDeletes = new Counter({
      name: 'ddb_replicator_ttl_deletes_total',
      help: "Deletes made by the source's TTL, by what --ttl-deletes does with them (replicated or skipped)",
      labelNames: ['task', 'action'],
      registers,
    });
    this.#deadLettered = new Counter({
      name: 'ddb_replicator_dead_letters_total',
      help: 'Changes stored in the dead-letter table (--on-reject dead-letter): refused, or behind a refused change of their key',
      labelNames: ['task'],
      registers,
    });
    this.#conflicts = new Counter({
      name: 'ddb_replicator_twoway_conflicts_total',
      help: 'Two-way replication: writes that lost their condition, recorded in the conflict log (by what lost to what)',
      labelNames: ['task', 'loser', 'winner'],
      registers,
    });
    this.#applied = new Counter({
      name: 'ddb_replicator_records_applied_total',
      help: 'Stream records covered by successful flushes (squashed ones included)',
      labelNames: ['task'],
      registers,
    });
    this.#retries = new Counter({
      name: 'ddb_replicator_retries_total',
      help: 'Retried requests',
      labelNames: ['task', 'side', 'reason'],
      registers,
    });
    this.#flushSeconds = new Histogram({
      name: 'ddb_replicator_flush_duration_seconds',
      help: 'Time to write one flush and checkpoint it',
      labelNames: ['task'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.#leaseChanges = new Counter({
      name: 'ddb_replicator_lease_changes_total',
      help: 'Leases taken, lost and released by this worker',
      labelNames: ['task', 'change'],
      registers,
    });
    // A bootstrap copy: this worker's items (a counter, summed over the fleet by the dashboard), the copy's
    // estimate and the fleet's saved items as this worker last saw them (the same on every worker: max()).
    this.#copied = new Counter({
      name: 'ddb_replicator_copy_items_total',
      help: 'Items this worker copied in a bootstrap copy',
      labelNames: ['task'],
      registers,
    });
    this.#copyEstimated = new Gauge({
      name: 'ddb_replicator_copy_estimated_items',
      help: "The bootstrap copy's estimate of the source table's items (DescribeTable's ItemCount at its start)",
      labelNames: ['task'],
      registers,
    });
    this.#copyFleet = new Gauge({
      name: 'ddb_replicator_copy_fleet_items',
      help: 'Items the whole fleet copied in the bootstrap copy, as this worker last saw the lease table',
      labelNames: ['task'],
      registers,
    });
    // Spool mode (src/spool/): the phase as a number, the changes this worker spooled, and each drain pass's items
    // (this worker's, and the fleet's as its last look at the lease table saw them).
    this.#spoolPhase = new Gauge({
      name: 'ddb_replicator_spool_phase',
      help: 'A spool-mode copy: 1 copying (the stream spooled), 2 draining (pass 1), 3 switching (pass 2), 4 replicating',
      labelNames: ['task'],
      registers,
    });
    this.#spooled = new Counter({
      name: 'ddb_replicator_spool_writes_total',
      help: 'Changes this worker wrote to the spool table of a spool-mode copy',
      labelNames: ['task'],
      registers,
    });
    this.#spoolFleet = new Gauge({
      name: 'ddb_replicator_spool_fleet_changes',
      help: "Changes the whole fleet spooled in a spool-mode copy (the spool's size: spool writes, at least the keys it holds), as this worker last added to the count",
      labelNames: ['task'],
      registers,
    });
    this.#drained = new Counter({
      name: 'ddb_replicator_drain_items_total',
      help: 'Spool items this worker wrote to the destination in a drain pass',
      labelNames: ['task', 'pass'],
      registers,
    });
    this.#drainFleet = new Gauge({
      name: 'ddb_replicator_drain_fleet_items',
      help: 'Spool items the whole fleet drained in a pass, as this worker last saw the lease table',
      labelNames: ['task', 'pass'],
      registers,
    });
    const tasks = this.#tasks;
    const failed = this.#failed;
    // Process-wide like /healthz: the probe restarts the process, not one task.
    const shared = (): ProcessSources | undefined => this.#process;
    new Gauge({
      name: 'ddb_replicator_stuck',
      help: 'The worker is stuck (1) as /healthz says with a 503 and its reasons; 0 while live',
      registers,
      collect() {
        const sources = shared();
        if (sources !== undefined) this.set(sources.health().live ? 0 : 1);
      },
    });
    new Gauge({
      name: 'ddb_replicator_ready',
      help: 'The worker is ready (1) as /readyz says: start-up checks passed and it takes part in the fleet',
      registers,
      collect() {
        const sources = shared();
        if (sources !== undefined) this.set(sources.health().ready ? 1 : 0);
      },
    });
    new Gauge({
      name: 'ddb_replicator_buffer_bytes',
      help: 'Bytes of stream records read and not yet written, over every task of the process',
      registers,
      collect() {
        const buffer = shared()?.buffer;
        if (buffer !== undefined) this.set(buffer.used);
      },
    });
    new Gauge({
      name: 'ddb_replicator_buffer_limit_bytes',
      help: 'The memory budget of stream records read and not yet written (--max-buffer-mb)',
      registers,
      collect() {
        const buffer = shared()?.buffer;
        if (buffer !== undefined) this.set(buffer.capacity);
      },
    });
    new Gauge({
      name: 'ddb_replicator_fleet_unowned_shards',
      help: "Shards to read that no worker holds (no owner or expired), as this worker's last look at the lease table saw them",
      labelNames: ['task'],
      registers,
      collect() {
        this.reset();
        for (const [task, gauges] of tasks) {
          const unowned = gauges.unownedShards?.();
          if (unowned !== undefined) this.set({ task }, unowned);
        }
      },
    });
    new Gauge({
      name: 'ddb_replicator_task_failed',
      help: 'A task of this worker stopped with an error (1) while the others go on; 0 while it runs',
      labelNames: ['task'],
      registers,
      collect() {
        this.reset();
        for (const task of tasks.keys()) this.set({ task }, 0);
        for (const task of failed) this.set({ task }, 1);
      },
    });
    new Gauge({
      name: 'ddb_replicator_leases_held',
      help: 'Leases this worker holds',
      labelNames: ['task'],
      registers,
      collect() {
        this.reset();
        for (const [task, gauges] of tasks) this.set({ task }, gauges.heldLeases());
      },
    });
    const backlogs = this.#backlogs;
    new Gauge({
      name: 'ddb_replicator_destination_backlog_records',
      help: "A fan-out's stream records read and not yet written to each destination (queued or in flight), over the task's shards in this worker: the destination that is behind",
      labelNames: ['task', 'destination'],
      registers,
      collect() {
        this.reset();
        for (const [task, shards] of backlogs) {
          const sums = new Map<string, number>();
          for (const destinations of shards.values()) {
            for (const [destination, records] of destinations)
              sums.set(destination, (sums.get(destination) ?? 0) + records);
          }
          for (const [destination, records] of sums) this.set({ task, destination }, records);
        }
      },
    });
    new Gauge({
      name: 'ddb_replicator_shard_behind_seconds',
      help: 'How far behind the newest record each shard read by this worker is (0 when caught up)',
      labelNames: ['task', 'shard'],
      registers,
      collect() {
        this.reset();
        for (const [task, gauges] of tasks) {
          for (const shard of gauges.tracker.snapshot().shards) {
            if (shard.behindMs !== undefined) this.set({ task, shard: shard.shardId }, shard.behindMs / 1000);
          }
        }
      },
    });
  }

  /** Marks a task failed (`ddb_replicator_task_failed` 1) for as long as the process runs. */
  taskFailed(task: string): void {
    this.#failed.add(task);
  }

  /** The health verdict and the memory budget of the process, once per process (the last call counts). */
  watchProcess(sources: ProcessSources): void {
    this.#process = sources;
  }

  /** Feeds the metrics from one task's events; the returned function detaches it (its gauges go, counters stay). */
  attach(
    task: string,
    events: EventBus,
    tracker: ProgressTracker,
    heldLeases: () => number,
    sources: TaskSources = {},
  ): () => void {
    this.#tasks.set(task, { tracker, heldLeases, ...sources });
    const backlog = new Map<string, Map<string, number>>();
    this.#backlogs.set(task, backlog);
    const off = [
      events.on('destination.backlog', (e) => {
        const shard = backlog.get(e.shardId) ?? new Map<string, number>();
        shard.set(e.destination, e.records);
        backlog.set(e.shardId, shard);
      }),
      // A shard no longer read here has nothing left to write here (its next owner reports its own).
      events.on('shard.ended', (e) => backlog.delete(e.shardId)),
      events.on('shard.stopped', (e) => backlog.delete(e.shardId)),
      events.on('records.read', (e) => this.#read.inc({ task }, e.count)),
      events.on('batch.flushed', (e) => {
        this.#written.inc({ task, op: 'put' }, e.puts);
        this.#written.inc({ task, op: 'delete' }, e.deletes);
        this.#applied.inc({ task }, e.records);
        this.#flushSeconds.observe({ task }, e.durationMs / 1000);
      }),
      events.on('records.filtered', (e) => this.#filtered.inc({ task, destination: e.destination }, e.count)),
      events.on('ttl.deletes', (e) => this.#ttlDeletes.inc({ task, action: e.action }, e.count)),
      events.on('records.dead-lettered', (e) => this.#deadLettered.inc({ task }, e.count)),
      events.on('twoway.conflict', (e) => this.#conflicts.inc({ task, loser: e.loser, winner: e.winner })),
      events.on('write.retried', (e) => this.#retries.inc({ task, side: 'destination', reason: e.reason })),
      events.on('read.retried', (e) => this.#retries.inc({ task, side: 'stream', reason: e.reason })),
      events.on('lease.taken', () => this.#leaseChanges.inc({ task, change: 'taken' })),
      events.on('lease.lost', () => this.#leaseChanges.inc({ task, change: 'lost' })),
      events.on('lease.released', () => this.#leaseChanges.inc({ task, change: 'released' })),
      events.on('copy.started', (e) => this.#copyEstimated.set({ task }, e.estimatedItems)),
      events.on('copy.page', (e) => {
        this.#copied.inc({ task }, e.items);
        this.#copyFleet.set({ task }, e.fleetItems);
      }),
      events.on('spool.phase', (e) => this.#spoolPhase.set({ task }, SPOOL_PHASES[e.state] ?? 1)),
      events.on('spool.written', (e) => this.#spooled.inc({ task }, e.count)),
      events.on('spool.counted', (e) => this.#spoolFleet.set({ task }, e.total)),
      events.on('spool.drained', (e) => this.#drained.inc({ task, pass: String(e.pass) }, e.items)),
      events.on('spool.drain.listed', (e) => this.#drainFleet.set({ task, pass: String(e.pass) }, e.drained)),
    ];
    return () => {
      for (const stop of off) stop();
      this.#tasks.delete(task);
      this.#backlogs.delete(task);
      this.#copyEstimated.remove({ task });
      this.#copyFleet.remove({ task });
      this.#spoolPhase.remove({ task });
      this.#spoolFleet.remove({ task });
    };
  }
}
