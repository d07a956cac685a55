// dynamodb-local: shared
// Opening a bootstrap copy against DynamoDB Local: a worker that starts with another of its fleet can read "no
// task" just before the other creates the task and records the stream positions (shard checkpoints). It must
// follow that copy, not refuse the task as one that already replicates (seen in CI: the second worker of a fleet
// exited 2). A lease table with checkpoints and no task is still refused, with its one line.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { DeleteTableCommand } from '@aws-sdk/client-dynamodb';
import { buildReplicationConfig } from '../../src/config/replication-config.js';
import type { BootstrapTask } from '../../src/bootstrap/bootstrap-items.js';
import type { BootstrapOptions } from '../../src/bootstrap/bootstrap-options.js';
import { openTask } from '../../src/bootstrap/open-task.js';
import { DynamoSegmentStore, type BootstrapItems } from '../../src/bootstrap/segment-store.js';
import { ConfigError } from '../../src/errors/replicator-error.js';
import { DynamoLeaseStore } from '../../src/lease/dynamo-lease-store.js';
import { TRIM_HORIZON, newLease } from '../../src/lease/lease.js';
import { silentLogger } from '../../src/observability/logger.js';
import { sourceClient, uniqueName } from '../support/local-env.js';

const client = sourceClient();
const tables: string[] = [];
after(async () => {
  for (const name of tables)
    await client.send(new DeleteTableCommand({ TableName: name })).catch(() => undefined);
  client.destroy();
});

const OPTIONS: BootstrapOptions = {
  copyOnly: false,
  segments: 4,
  maxWriteRate: 1000,
  maxReadRate: 1000,
  copyConcurrency: 2,
  progressIntervalMs: 0,
  progressBar: false,
};

const STREAM = 'arn:aws:dynamodb:us-east-1:000000000000:table/open-src/stream/2026-01-01T00:00:00.000';

/** A task with a real lease table (neither side's table is read before the outcomes tested), its deps as openTask
 * reads them. */
async function task(prefix: string) {
  const config = buildReplicationConfig(
    {
      sourceTable: uniqueName(`${prefix}-src`),
      sourceRegion: 'us-east-1',
      destTable: uniqueName(`${prefix}-dst`),
      taskName: uniqueName(prefix),
      workerId: 'worker-b',
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
    },
    {},
  );
  const leases = new DynamoLeaseStore(client, config.lease.tableName);
  await leases.ensureTable();
  tables.push(config.lease.tableName);
  const deps = { config, tables: { streamArn: STREAM }, logger: silentLogger(), leaseClient: client };
  return { config, deps, leases };
}

/** The rival worker's first steps: it creates the task and records one shard's position. */
async function rivalStarts(store: DynamoSegmentStore, leases: DynamoLeaseStore): Promise<BootstrapTask> {
  const theirs: BootstrapTask = {
    state: 'recording-positions',
    startedAt: 1_700_000_000_000,
    segments: 8,
    estimatedItems: 10_000,
    estimatedBytes: 1_000_000,
    streamArn: STREAM,
    positionsRecordedAt: undefined,
    doneAt: undefined,
  };
  assert.equal(await store.createTask(theirs), true);
  assert.equal(await store.recordPosition(newLease('shard-000001', [], TRIM_HORIZON, STREAM)), 'recorded');
  assert.equal((await leases.list()).length, 1, 'the rival recorded a shard checkpoint');
  return theirs;
}

/** A store whose first read answers before the rival's writes (the interleaving of two starting workers). */
class FirstReadEarly extends DynamoSegmentStore {
  #reads = 0;
  #rival: (() => Promise<unknown>) | undefined;
  constructor(tableName: string, rival: (store: DynamoSegmentStore) => Promise<unknown>) {
    super(client, tableName);
    this.#rival = () => rival(this);
  }
  override async read(signal?: AbortSignal): Promise<BootstrapItems> {
    const seen = await super.read(signal);
    this.#reads += 1;
    if (this.#reads === 1 && this.#rival !== undefined) await this.#rival();
    return seen;
  }
}

test('a worker that read "no task" just before a rival created it and recorded positions follows that copy', async () => {
  const { config, deps, leases } = await task('open-race');
  const store = new FirstReadEarly(config.lease.tableName, (s) => rivalStarts(s, leases));
  const opened = await openTask(deps, OPTIONS, store, client, client, new AbortController().signal);
  assert.equal(opened?.segments, 8, "the rival's segment count, not this worker's");
  assert.equal(opened?.startedAt, 1_700_000_000_000);
});

test('a lease table with shard checkpoints and no task is refused: the task already replicates', async () => {
  const { config, deps, leases } = await task('open-replicating');
  assert.equal(await leases.create(newLease('shard-000001', [], TRIM_HORIZON, STREAM)), true);
  const store = new DynamoSegmentStore(client, config.lease.tableName);
  await assert.rejects(
    openTask(deps, OPTIONS, store, client, client, new AbortController().signal),
    (err: unknown) =>
      err instanceof ConfigError &&
      err.message.includes(`task ${config.taskName} already replicates`) &&
      err.message.includes('use a new --task-name'),
  );
});
