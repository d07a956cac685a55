// A fresh DynamoDB Local for each measurement (startDynamoDbLocal, database on /dev/shm), owned by the
// benchmark's lifetime so it is always stopped, and warmed up: the JVM is several times slower for its first
// few thousand requests (shared/DYNAMODB-LOCAL.md), so a scratch table takes that cost before any timing.
import {
  DescribeStreamCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
} from '@aws-sdk/client-dynamodb-streams';
import { DescribeTableCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { createStreamsClient, DATA_PATH } from '../src/app/aws-clients.js';
import { startDynamoDbLocal, type DynamoDbLocal } from '../src/local/dynamodb-local.js';
import { createTable } from '../src/local/local-tables.js';
import { loadItems } from './batch-loader.js';
import { benchClient, putRequests, TABLE_KEY } from './items.js';
import { placeInstance, type InstanceRole } from './cpu-isolation.js';
import type { Lifetime } from './lifetime.js';

export interface BenchInstance {
  readonly name: string;
  readonly endpoint: string;
  readonly pid: number;
  readonly stop: () => Promise<void>;
}

export async function startInstance(
  name: string,
  lifetime: Lifetime,
  role: InstanceRole = 'other',
): Promise<BenchInstance> {
  lifetime.check();
  const dbPath = mkdtempSync(join('/dev/shm', 'ddb-bench-'));
  let local: DynamoDbLocal;
  try {
    local = await startDynamoDbLocal({ dbPath });
  } catch (err) {
    rmSync(dbPath, { recursive: true, force: true });
    throw err;
  }
  const pid = local.pid ?? 0;
  const stop = lifetime.own(
    `DynamoDB Local ${name}`,
    async () => {
      try {
        await local.stop();
      } finally {
        rmSync(dbPath, { recursive: true, force: true });
      }
    },
    () => {
      try {
        if (pid > 0) process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
      rmSync(dbPath, { recursive: true, force: true });
    },
  );
  // After lifetime.own: a failure to pin still stops the instance.
  if (pid > 0) placeInstance(pid, role);
  return { name, endpoint: local.endpoint, pid, stop };
}

/**
 * Writes `items` puts into a scratch table at 8 in flight; with `stream`, the table has one and its records are
 * read back, which warms the GetRecords path too. A live load (lag, failover) writes single PutItems and reads
 * short pages, which the JVM compiles apart from BatchWriteItem and full pages: `singlePuts` more items go in
 * one PutItem each (into a second table, without a stream), and the stream is read `pageLimit` records a call.
 * Without it the source instance was still warming up during the first 20 s of a 60 s lag run (GetRecords p50
 * 668 ms, then 155, then ~20 ms), and its p99 was the JVM's, not the replicator's. Returns the duration in ms.
 */
export async function warmUp(
  instance: BenchInstance,
  region: string,
  options: {
    items: number;
    stream: boolean;
    signal: AbortSignal;
    singlePuts?: number;
    pageLimit?: number;
  },
): Promise<number> {
  if (options.items === 0) return 0;
  const started = performance.now();
  const client = benchClient(instance.endpoint, region);
  try {
    const table = 'bench-warmup';
    await createTable(client, table, TABLE_KEY, options.stream ? 'NEW_AND_OLD_IMAGES' : undefined);
    await loadItems(client, table, putRequests(options.items, 'warm'), {
      concurrency: 8,
      signal: options.signal,
    });
    // Into a table without a stream: every stream record an instance holds makes its stream work slower
    // (measured: 8,000 more in the warm-up table halved the source's write rate during the lag run).
    const singles = putRequests(options.singlePuts ?? 0, 'warm-single');
    const plainTable = 'bench-warmup-plain';
    if (singles.length > 0) await createTable(client, plainTable, TABLE_KEY, undefined);
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        for (let next = singles.pop(); next?.PutRequest !== undefined; next = singles.pop()) {
          options.signal.throwIfAborted();
          await client.send(new PutItemCommand({ TableName: plainTable, Item: next.PutRequest.Item }));
        }
      }),
    );
    if (options.stream) {
      await readWholeStream(instance.endpoint, region, table, options.pageLimit ?? 1000, options.signal);
    }
  } finally {
    client.destroy();
  }
  return performance.now() - started;
}

async function readWholeStream(
  endpoint: string,
  region: string,
  table: string,
  pageLimit: number,
  signal: AbortSignal,
): Promise<number> {
  const client = benchClient(endpoint, region);
  const streams = createStreamsClient({ region, endpoint }, DATA_PATH);
  try {
    const described = await client.send(new DescribeTableCommand({ TableName: table }));
    const streamArn = described.Table?.LatestStreamArn;
    if (streamArn === undefined) throw new Error(`table ${table} has no stream`);
    const stream = await streams.send(new DescribeStreamCommand({ StreamArn: streamArn }));
    let read = 0;
    for (const shard of stream.StreamDescription?.Shards ?? []) {
      let iterator = (
        await streams.send(
          new GetShardIteratorCommand({
            StreamArn: streamArn,
            ShardId: shard.ShardId,
            ShardIteratorType: 'TRIM_HORIZON',
          }),
        )
      ).ShardIterator;
      // An open shard never ends: stop at the first empty page (bounded by the records written).
      for (let pages = 0; iterator !== undefined && pages < 100_000 && !signal.aborted; pages++) {
        const page = await streams.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: pageLimit }));
        const count = page.Records?.length ?? 0;
        read += count;
        if (count === 0) break;
        iterator = page.NextShardIterator;
      }
    }
    return read;
  } finally {
    client.destroy();
    streams.destroy();
  }
}
