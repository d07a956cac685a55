// Prometheus metrics fed by the core's events (served by metrics-server.ts). Counters carry the task but no shard
// label: shards come and go every few hours and would grow the series without bound; the per-shard lag gauge is
// rebuilt at each scrape.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { EventBus } from './events.js';
import type { ProgressTracker } from './progress-tracker.js';

export { serveMetrics } from './metrics-server.js';

/** What the per-task gauges read when they are collected. */
interface TaskGauges {
  readonly tracker: ProgressTracker;
  readonly heldLeases: () => number;
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
  readonly #retries: Counter;
  readonly #flushSeconds: Histogram;
  readonly #leaseChanges: Counter;

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
    const tasks = this.#tasks;
    const failed = this.#failed;
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

  /** Feeds the metrics from one task's events; the returned function detaches it (its gauges go, counters stay). */
  attach(task: string, events: EventBus, tracker: ProgressTracker, heldLeases: () => number): () => void {
    this.#tasks.set(task, { tracker, heldLeases });
    const off = [
      events.on('records.read', (e) => this.#read.inc({ task }, e.count)),
      events.on('batch.flushed', (e) => {
        this.#written.inc({ task, op: 'put' }, e.puts);
        this.#written.inc({ task, op: 'delete' }, e.deletes);
        this.#applied.inc({ task }, e.records);
        this.#flushSeconds.observe({ task }, e.durationMs / 1000);
      }),
      events.on('write.retried', (e) => this.#retries.inc({ task, side: 'destination', reason: e.reason })),
      events.on('read.retried', (e) => this.#retries.inc({ task, side: 'stream', reason: e.reason })),
      events.on('lease.taken', () => this.#leaseChanges.inc({ task, change: 'taken' })),
      events.on('lease.lost', () => this.#leaseChanges.inc({ task, change: 'lost' })),
      events.on('lease.released', () => this.#leaseChanges.inc({ task, change: 'released' })),
    ];
    return () => {
      for (const stop of off) stop();
      this.#tasks.delete(task);
    };
  }
}
