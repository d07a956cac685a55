import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildReplicationConfig } from '../../config/replication-config.js';
import { pageUrl, taskTables } from './status-wiring.js';

test("the page's address: all interfaces are opened on the loopback; an IPv6 host in brackets", () => {
  assert.equal(pageUrl(undefined, 9100), 'http://127.0.0.1:9100/');
  assert.equal(pageUrl('0.0.0.0', 9100), 'http://127.0.0.1:9100/');
  assert.equal(pageUrl('::', 9100), 'http://127.0.0.1:9100/');
  assert.equal(pageUrl('127.0.0.1', 80), 'http://127.0.0.1:80/');
  assert.equal(pageUrl('::1', 9100), 'http://[::1]:9100/');
  assert.equal(pageUrl('localhost', 9100), 'http://localhost:9100/');
});

test("taskTables: the task's source, its first destination and each further one of a fan-out", () => {
  const config = buildReplicationConfig(
    {
      sourceTable: 'src',
      sourceRegion: 'us-east-1',
      destTable: 'dst-a',
      workerId: 'w',
      startPosition: 'trim-horizon',
      batchSize: 1000,
      writeConcurrency: 16,
      maxBufferMb: 64,
      pollIntervalMs: 1000,
      checkpointIntervalMs: 1000,
      failoverMs: 10_000,
      shardSyncIntervalMs: 60_000,
      progressIntervalMs: 30_000,
      shutdownTimeoutMs: 30_000,
      fanOut: [{ destTable: 'dst-b', destRegion: 'eu-west-1' }, { destTable: 'dst-c' }],
    },
    {},
  );
  const polled = taskTables(config, 'replications[0] (source src)');
  assert.equal(polled.label, 'replications[0] (source src)');
  assert.equal(polled.taskName, config.taskName);
  assert.equal(polled.destination.tableName, 'dst-a');
  assert.deepEqual(
    polled.fanOut?.map((d) => [d.region, d.tableName]),
    [
      ['eu-west-1', 'dst-b'],
      ['us-east-1', 'dst-c'],
    ],
  );
  assert.equal(polled.leaseTable.tableName, config.lease.tableName);
});
