// Warms up a fresh DynamoDB Local before anything is timed or shown, for the benchmark and the demo: its JVM
// runs the first few thousand requests of each kind several times slower (interpreted until compiled;
// shared/DYNAMODB-LOCAL.md). Measured cold, the demo's first GetRecords and writes crawled: nothing replicated for
// 5-7 s after the replicator's start and the workload reached its rate only after ~20 s. The work happens on
// scratch tables, so the tables being measured or shown start empty and with an empty stream.
import {
  DescribeStreamCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
} from '@aws-sdk/client-dynamodb-streams';
import {
  BatchWriteItemCommand,
  DescribeTableCommand,
  PutItemCommand,
  type AttributeValue,
  type DynamoDBClient,
  type WriteRequest,
} from '@aws-sdk/client-dynamodb';
import { setMaxListeners } from 'node:events';
import { createDynamoClient, createStreamsClient, DATA_PATH } from '../app/aws-clients.js';
import { sleep } from '../util/sleep.js';
import { createTable, type TableKey } from './local-tables.js';

export type Item = Record<string, AttributeValue>;

export interface WarmUpOptions {
  /** Items put with BatchWriteItem (25 a request, 8 in flight) into a scratch table; 0: no warm-up at all. */
  readonly items: number;
  /** The scratch table has a stream (new and old images) and its records are read back: the GetRecords path. */
  readonly stream: boolean;
  readonly signal: AbortSignal;
  /** More items, one PutItem each (8 in flight), into a second scratch table without a stream. */
  readonly singlePuts?: number;
  /** Records a GetRecords call asks for while reading the stream back (1000 by default). */
  readonly pageLimit?: number;
  /** Item number `index` of the writes named `prefix`; its key attribute is `pk` (a string). A small item by default. */
  readonly item?: (index: number, prefix: string) => Item;
  /**
   * Called after each single put with the client, the scratch table and the item, for the other single-item
   * requests a caller's load makes (updates, deletes, reads), which the JVM compiles apart from PutItem.
   */
  readonly afterPut?: (client: DynamoDBClient, tableName: string, item: Item) => Promise<void>;
}

/** The scratch tables' key; callers' `item` functions must give every item a distinct `pk`. */
export const WARM_UP_KEY: TableKey = { hash: { name: 'pk', type: 'S' } };
/** The scratch tables, named so that nobody mistakes them for data (the demo's --keep lists every table). */
export const WARM_UP_TABLES = { stream: 'warm-up-stream', plain: 'warm-up-plain' } as const;

const BATCH = 25;
const IN_FLIGHT = 8;
const MAX_BATCH_ATTEMPTS = 30;

/**
 * Writes `items` puts into a scratch table; with `stream`, the table has one and its records are read back, which
 * warms the GetRecords path too. A live load writes single items and reads short pages, which the JVM compiles
 * apart from BatchWriteItem and full pages: `singlePuts` more items go in one PutItem each (followed by
 * `afterPut`), into a second table without a stream, and the stream is read `pageLimit` records a call. Without
 * it the benchmark's source instance was still warming up during the first 20 s of a 60 s lag run (GetRecords
 * p50 668 ms, then 155, then ~20 ms). Returns the duration in ms.
 */
export async function warmUp(endpoint: string, region: string, options: WarmUpOptions): Promise<number> {
  if (options.items === 0) return 0;
  const started = performance.now();
  const item = options.item ?? smallItem;
  const client = createDynamoClient({ region, endpoint }, DATA_PATH);
  try {
    const table = WARM_UP_TABLES.stream;
    await createTable(client, table, WARM_UP_KEY, options.stream ? 'NEW_AND_OLD_IMAGES' : undefined);
    const batched = Array.from({ length: options.items }, (_, i) => item(i, 'warm'));
    await putInBatches(client, table, batched, options.signal);
    // Into a table without a stream: every stream record an instance holds makes its stream work slower
    // (measured: 8,000 more in the warm-up table halved the source's write rate during the lag run).
    const singles = Array.from({ length: options.singlePuts ?? 0 }, (_, i) => item(i, 'warm-single'));
    const plainTable = WARM_UP_TABLES.plain;
    if (singles.length > 0) await createTable(client, plainTable, WARM_UP_KEY, undefined);
    await Promise.all(
      Array.from({ length: IN_FLIGHT }, async () => {
        for (let next = singles.pop(); next !== undefined; next = singles.pop()) {
          options.signal.throwIfAborted();
          await client.send(new PutItemCommand({ TableName: plainTable, Item: next }));
          await options.afterPut?.(client, plainTable, next);
        }
      }),
    );
    if (options.stream) {
      await readWholeStream(client, endpoint, region, table, options.pageLimit ?? 1000, options.signal);
    }
  } finally {
    client.destroy();
  }
  return performance.now() - started;
}

/** Item number `index`: ~200 bytes in five attributes, deterministic. */
function smallItem(index: number, prefix: string): Item {
  return {
    pk: { S: `${prefix}-${String(index).padStart(8, '0')}` },
    payload: { S: `warm-up item ${index} `.repeat(8) },
    seq: { N: String(index) },
    writtenAt: { N: String(Date.now()) },
    kind: { S: 'warm-up' },
  };
}

/** BatchWriteItem, 25 items a request and 8 requests in flight; UnprocessedItems are sent again after a pause. */
async function putInBatches(
  client: DynamoDBClient,
  tableName: string,
  items: readonly Item[],
  signal: AbortSignal,
): Promise<void> {
  const batches: WriteRequest[][] = [];
  for (let i = 0; i < items.length; i += BATCH) {
    batches.push(items.slice(i, i + BATCH).map((Item) => ({ PutRequest: { Item } })));
  }
  // Every request in flight listens to the signal: more than Node's default of 10 listeners is expected here.
  setMaxListeners(Math.max(10, IN_FLIGHT * 2), signal);
  let next = 0;
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      for (let batch = batches[next++]; batch !== undefined; batch = batches[next++]) {
        let pending = batch;
        for (let attempt = 1; pending.length > 0; attempt++) {
          signal.throwIfAborted();
          if (attempt > MAX_BATCH_ATTEMPTS)
            throw new Error(`warm-up batch not written after ${MAX_BATCH_ATTEMPTS} attempts`);
          const out = await client.send(
            new BatchWriteItemCommand({ RequestItems: { [tableName]: pending } }),
            { abortSignal: signal },
          );
          pending = out.UnprocessedItems?.[tableName] ?? [];
          if (pending.length > 0) await sleep(Math.min(1_000, 10 * 2 ** attempt), signal);
        }
      }
    }),
  );
}

async function readWholeStream(
  client: DynamoDBClient,
  endpoint: string,
  region: string,
  table: string,
  pageLimit: number,
  signal: AbortSignal,
): Promise<number> {
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
    streams.destroy();
  }
}
