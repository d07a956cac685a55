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
