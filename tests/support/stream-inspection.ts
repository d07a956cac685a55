// Looks at what the replicator leaves behind, from the outside: the source table's stream records (to know the
// sequence number of a given change), the checkpoint in the lease table, and whether a lease table exists.
import {
  DescribeTableCommand,
  ListTablesCommand,
  ScanCommand,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type _Record as StreamRecord,
} from '@aws-sdk/client-dynamodb-streams';
import { LOCAL_CREDENTIALS } from '../../src/local/dynamodb-local.js';
import { SOURCE_REGION, sourceEndpoint } from './local-env.js';
import type { Item } from './replication-fixture.js';

export interface StreamRecordSummary {
  readonly sequenceNumber: string;
  readonly eventName: string;
  readonly keys: Item;
}

/**
 * Every record of every shard of a stream, oldest first per shard, as GetRecords gives them: from the trim horizon
 * to each shard's tip (an open shard always returns a next iterator: an empty page is its tip).
 */
export async function streamRecordsAt(
  streams: DynamoDBStreamsClient,
  streamArn: string,
): Promise<StreamRecord[]> {
  const out = await streams.send(new DescribeStreamCommand({ StreamArn: streamArn }));
  const records: StreamRecord[] = [];
  for (const shard of out.StreamDescription?.Shards ?? []) {
    let iterator = (
      await streams.send(
        new GetShardIteratorCommand({
          StreamArn: streamArn,
          ShardId: shard.ShardId,
          ShardIteratorType: 'TRIM_HORIZON',
        }),
      )
    ).ShardIterator;
    while (iterator !== undefined) {
      const page = await streams.send(new GetRecordsCommand({ ShardIterator: iterator }));
      const got = page.Records ?? [];
      records.push(...got);
      iterator = got.length === 0 ? undefined : page.NextShardIterator;
    }
  }
  return records;
}

/** streamRecordsAt of a table's latest stream. */
export async function streamRecordsOf(
  client: DynamoDBClient,
  streams: DynamoDBStreamsClient,
  table: string,
): Promise<StreamRecord[]> {
  const described = await client.send(new DescribeTableCommand({ TableName: table }));
  const streamArn = described.Table?.LatestStreamArn;
  if (streamArn === undefined) throw new Error(`table ${table} has no stream`);
  return streamRecordsAt(streams, streamArn);
}

/** Every record of every shard of the source table's stream, oldest first per shard. */
export async function readSourceStream(
  source: DynamoDBClient,
  table: string,
): Promise<StreamRecordSummary[]> {
  const streams = new DynamoDBStreamsClient({
    endpoint: sourceEndpoint(),
    region: SOURCE_REGION,
    credentials: LOCAL_CREDENTIALS,
  });
  try {
    return (await streamRecordsOf(source, streams, table)).map((r) => ({
      sequenceNumber: r.dynamodb?.SequenceNumber ?? '',
      eventName: r.eventName ?? '',
      keys: r.dynamodb?.Keys ?? {},
    }));
  } finally {
    streams.destroy();
  }
}

export function leaseTable(taskName: string): string {
  return `DynamoDBCrossRegionReplication${taskName}`;
}

/** The shard leases among a lease table's items: not a bootstrap copy's items, not the workers' presence items. */
export function shardLeaseItems<T extends { leaseKey?: { S?: string } }>(items: readonly T[]): T[] {
  return items.filter((item) => {
    const key = item.leaseKey?.S ?? '';
    return !key.startsWith('bootstrap#') && !key.startsWith('worker#') && !key.startsWith('failure#');
  });
}

/** The checkpoint of the task's only lease (DynamoDB Local streams have one shard). */
export async function readCheckpoint(source: DynamoDBClient, taskName: string): Promise<string> {
  const out = await source.send(new ScanCommand({ TableName: leaseTable(taskName), ConsistentRead: true }));
  const items = shardLeaseItems(out.Items ?? []);
  if (items.length !== 1) throw new Error(`expected one lease, found ${items.length}`);
  const checkpoint = items[0]?.checkpoint?.S;
  if (checkpoint === undefined) throw new Error('the lease has no checkpoint');
  return checkpoint;
}

/** True when `checkpoint` is a sequence number at or after `sequenceNumber` (decimal strings on Local). */
export function isAtOrAfter(checkpoint: string, sequenceNumber: string): boolean {
  if (checkpoint === 'SHARD_END') return true;
  if (!/^\d+$/.test(checkpoint)) return false; // TRIM_HORIZON, LATEST: before every record
  if (!/^\d+$/.test(sequenceNumber)) throw new Error(`not a sequence number: ${sequenceNumber}`);
  return BigInt(checkpoint) >= BigInt(sequenceNumber);
}

export async function tableNames(client: DynamoDBClient): Promise<string[]> {
  const names: string[] = [];
  let start: string | undefined;
  do {
    const out = await client.send(new ListTablesCommand({ ExclusiveStartTableName: start }));
    names.push(...(out.TableNames ?? []));
    start = out.LastEvaluatedTableName;
  } while (start !== undefined);
  return names;
}
