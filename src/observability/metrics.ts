// Prometheus metrics fed by the core's events, and the optional HTTP endpoint that serves them with a health
// check (/healthz answers 200 while the worker runs). Counters carry no shard label: shards come and go every
// few hours and would grow the series without bound; the per-shard lag gauge is removed when a shard ends.
import { createServer, type Server } from 'node:http';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { EventBus } from './events.js';
import type { ProgressTracker } from './progress-tracker.js';

export function createMetrics(
  events: EventBus,
  tracker: ProgressTracker,
  heldLeases: () => number,
): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'ddb_replicator_process_' });
  const read = new Counter({
    name: 'ddb_replicator_records_read_total',
    help: 'Stream records read',
    registers: [registry],
  });
  const written = new Counter({
    name: 'ddb_replicator_items_written_total',
    help: 'Items written to the destination after squashing',
    labelNames: ['op'],
    registers: [registry],
  });
  const squashed = new Counter({
    name: 'ddb_replicator_records_applied_total',
    help: 'Stream records covered by successful flushes (squashed ones included)',
    registers: [registry],
  });
  const retries = new Counter({
    name: 'ddb_replicator_retries_total',
    help: 'Retried requests',
    labelNames: ['side', 'reason'],
    registers: [registry],
  });
  const flushSeconds = new Histogram({
    name: 'ddb_replicator_flush_duration_seconds',
    help: 'Time to write one flush and checkpoint it',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const leaseChanges = new Counter({
    name: 'ddb_replicator_lease_changes_total',
    help: 'Leases taken, lost and released by this worker',
    labelNames: ['change'],
    registers: [registry],
  });
  new Gauge({
    name: 'ddb_replicator_leases_held',
    help: 'Leases this worker holds',
    registers: [registry],
    collect() {
      this.set(heldLeases());
    },
  });
  new Gauge({
    name: 'ddb_replicator_shard_behind_seconds',
    help: 'How far behind the newest record each shard read by this worker is (0 when caught up)',
    labelNames: ['shard'],
    registers: [registry],
    collect() {
      this.reset();
      for (const shard of tracker.snapshot().shards) {
        if (shard.behindMs !== undefined) this.set({ shard: shard.shardId }, shard.behindMs / 1000);
      }
    },
  });
  events.on('records.read', (e) => read.inc(e.count));
  events.on('batch.flushed', (e) => {
    written.inc({ op: 'put' }, e.puts);
    written.inc({ op: 'delete' }, e.deletes);
    squashed.inc(e.records);
    flushSeconds.observe(e.durationMs / 1000);
  });
  events.on('write.retried', (e) => retries.inc({ side: 'destination', reason: e.reason }));
  events.on('read.retried', (e) => retries.inc({ side: 'stream', reason: e.reason }));
  events.on('lease.taken', () => leaseChanges.inc({ change: 'taken' }));
  events.on('lease.lost', () => leaseChanges.inc({ change: 'lost' }));
  events.on('lease.released', () => leaseChanges.inc({ change: 'released' }));
  return registry;
}

export async function serveMetrics(
  registry: Registry,
  port: number,
  healthy: () => boolean,
): Promise<{ server: Server; port: number }> {
  const server = createServer((req, res) => {
    if (req.url === '/metrics') {
      registry.metrics().then(
        (body) => {
          res.writeHead(200, { 'content-type': registry.contentType });
          res.end(body);
        },
        (err: unknown) => {
          res.writeHead(500);
          res.end(String(err));
        },
      );
      return;
    }
    if (req.url === '/healthz') {
      const ok = healthy();
      res.writeHead(ok ? 200 : 503, { 'content-type': 'text/plain' });
      res.end(ok ? 'ok\n' : 'not running\n');
      return;
    }
    res.writeHead(404);
    res.end();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, () => resolve());
  });
  const address = server.address();
  return { server, port: typeof address === 'object' && address !== null ? address.port : port };
}
