import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EventBus } from './events.js';
import { ReplicatorMetrics } from './metrics.js';
import { ProgressTracker } from './progress-tracker.js';

function task(metrics: ReplicatorMetrics, name: string, held: number) {
  const events = new EventBus();
  const tracker = new ProgressTracker(events);
  const detach = metrics.attach(name, events, tracker, () => held);
  return { events, detach };
}

test('every series carries its task; a detached task keeps its counters and loses its gauges', async () => {
  const metrics = new ReplicatorMetrics();
  const orders = task(metrics, 'orders-task', 2);
  const audit = task(metrics, 'audit-task', 1);
  orders.events.emit('records.read', { shardId: 's1', count: 7, bytes: 70, atTip: false });
  audit.events.emit('records.read', { shardId: 's2', count: 3, bytes: 30, atTip: true });
  orders.events.emit('batch.flushed', {
    shardId: 's1',
    records: 7,
    puts: 5,
    deletes: 1,
    durationMs: 20,
    lastSequenceNumber: '1',
  });
  audit.events.emit('write.retried', { table: 't', reason: 'throttled', attempt: 1, items: 25, delayMs: 5 });
  let text = await metrics.registry.metrics();
  assert.match(text, /ddb_replicator_records_read_total\{task="orders-task"\} 7/);
  assert.match(text, /ddb_replicator_records_read_total\{task="audit-task"\} 3/);
  assert.match(text, /ddb_replicator_items_written_total\{task="orders-task",op="put"\} 5/);
  assert.match(
    text,
    /ddb_replicator_retries_total\{task="audit-task",side="destination",reason="throttled"\} 1/,
  );
  assert.match(text, /ddb_replicator_leases_held\{task="orders-task"\} 2/);
  assert.match(text, /ddb_replicator_leases_held\{task="audit-task"\} 1/);

  audit.detach();
  audit.events.emit('records.read', { shardId: 's2', count: 100, bytes: 1, atTip: true });
  text = await metrics.registry.metrics();
  assert.match(
    text,
    /ddb_replicator_records_read_total\{task="audit-task"\} 3/,
    'no more counting after detach',
  );
  assert.doesNotMatch(text, /ddb_replicator_leases_held\{task="audit-task"\}/);
});

test('a failed task shows as failed for as long as the process runs; a running one as 0', async () => {
  const metrics = new ReplicatorMetrics();
  const orders = task(metrics, 'orders-task', 1);
  const audit = task(metrics, 'audit-task', 1);
  let text = await metrics.registry.metrics();
  assert.match(text, /ddb_replicator_task_failed\{task="orders-task"\} 0/);
  assert.match(text, /ddb_replicator_task_failed\{task="audit-task"\} 0/);
  metrics.taskFailed('audit-task');
  audit.detach();
  text = await metrics.registry.metrics();
  assert.match(text, /ddb_replicator_task_failed\{task="audit-task"\} 1/);
  assert.match(text, /ddb_replicator_task_failed\{task="orders-task"\} 0/);
  orders.detach();
  text = await metrics.registry.metrics();
  assert.doesNotMatch(text, /ddb_replicator_task_failed\{task="orders-task"\}/, 'an ended task is no series');
});

test("a bootstrap copy: this worker's items counted, the estimate and the fleet's items as last seen", async () => {
  const metrics = new ReplicatorMetrics();
  const orders = task(metrics, 'orders-task', 0);
  let text = await metrics.registry.metrics();
  assert.doesNotMatch(text, /ddb_replicator_copy_estimated_items\{/, 'no copy, no estimate');
  orders.events.emit('copy.started', { estimatedItems: 1000, segments: 4 });
  orders.events.emit('copy.page', { items: 100, fleetItems: 250 });
  orders.events.emit('copy.page', { items: 50, fleetItems: 400 });
  text = await metrics.registry.metrics();
  assert.match(text, /ddb_replicator_copy_items_total\{task="orders-task"\} 150/);
  assert.match(text, /ddb_replicator_copy_estimated_items\{task="orders-task"\} 1000/);
  assert.match(text, /ddb_replicator_copy_fleet_items\{task="orders-task"\} 400/);
  orders.detach();
  text = await metrics.registry.metrics();
  assert.match(text, /ddb_replicator_copy_items_total\{task="orders-task"\} 150/, 'the counter stays');
  assert.doesNotMatch(text, /ddb_replicator_copy_estimated_items\{task="orders-task"\}/);
  assert.doesNotMatch(text, /ddb_replicator_copy_fleet_items\{task="orders-task"\}/);
});

test('unowned shards per task as the last look saw them; none before the first look', async () => {
  const metrics = new ReplicatorMetrics();
  let unowned: number | undefined;
  const events = new EventBus();
  metrics.attach('orders-task', events, new ProgressTracker(events), () => 0, {
    unownedShards: () => unowned,
  });
  let text = await metrics.registry.metrics();
  assert.doesNotMatch(text, /ddb_replicator_fleet_unowned_shards\{/);
  unowned = 3;
  text = await metrics.registry.metrics();
  assert.match(text, /ddb_replicator_fleet_unowned_shards\{task="orders-task"\} 3/);
  unowned = 0;
  text = await metrics.registry.metrics();
  assert.match(text, /ddb_replicator_fleet_unowned_shards\{task="orders-task"\} 0/);
});

test('stuck and ready follow the health verdict; the buffer its budget', async () => {
  const metrics = new ReplicatorMetrics();
  let verdict = { live: true, ready: false, reasons: [], notReady: ['task orders-task starting'] };
  const buffer = { used: 4096, capacity: 64 * 1024 * 1024 };
  metrics.watchProcess({ health: () => verdict, buffer });
  let text = await metrics.registry.metrics();
  assert.match(text, /^ddb_replicator_stuck 0$/m);
  assert.match(text, /^ddb_replicator_ready 0$/m);
  assert.match(text, /^ddb_replicator_buffer_bytes 4096$/m);
  assert.match(text, /^ddb_replicator_buffer_limit_bytes 67108864$/m);
  verdict = { live: false, ready: true, reasons: [], notReady: [] };
  buffer.used = 0;
  text = await metrics.registry.metrics();
  assert.match(text, /^ddb_replicator_stuck 1$/m);
  assert.match(text, /^ddb_replicator_ready 1$/m);
  assert.match(text, /^ddb_replicator_buffer_bytes 0$/m);
});

test("a fan-out's backlog is summed per destination over the shards, and a shard that stops leaves it", async () => {
  const metrics = new ReplicatorMetrics();
  const tenants = task(metrics, 'tenants-task', 2);
  const backlog = (shardId: string, destination: string, records: number): void =>
    tenants.events.emit('destination.backlog', { shardId, destination, records });
  backlog('s1', 'tenant-a', 100);
  backlog('s2', 'tenant-a', 20);
  backlog('s1', 'tenant-b', 0);
  backlog('s1', 'tenant-a', 40);
  let text = await metrics.registry.metrics();
  assert.match(
    text,
    /ddb_replicator_destination_backlog_records\{task="tenants-task",destination="tenant-a"\} 60/,
  );
  assert.match(
    text,
    /ddb_replicator_destination_backlog_records\{task="tenants-task",destination="tenant-b"\} 0/,
  );
  tenants.events.emit('shard.stopped', { shardId: 's1', kind: 'stopped', reason: 'handed over' });
  text = await metrics.registry.metrics();
  assert.match(
    text,
    /ddb_replicator_destination_backlog_records\{task="tenants-task",destination="tenant-a"\} 20/,
  );
  assert.doesNotMatch(text, /destination="tenant-b"/);
  tenants.detach();
  text = await metrics.registry.metrics();
  assert.doesNotMatch(text, /ddb_replicator_destination_backlog_records\{/);
});

test('two-way conflicts counted per direction by what lost to what', async () => {
  const metrics = new ReplicatorMetrics();
  const ab = task(metrics, 'pair.a-b', 1);
  ab.events.emit('twoway.conflict', { table: 'b', loser: 'put', winner: 'delete' });
  ab.events.emit('twoway.conflict', { table: 'b', loser: 'put', winner: 'delete' });
  ab.events.emit('twoway.conflict', { table: 'a', loser: 'delete', winner: 'put' });
  const text = await metrics.registry.metrics();
  assert.match(
    text,
    /ddb_replicator_twoway_conflicts_total\{task="pair.a-b",loser="put",winner="delete"\} 2/,
  );
  assert.match(
    text,
    /ddb_replicator_twoway_conflicts_total\{task="pair.a-b",loser="delete",winner="put"\} 1/,
  );
});
