// A stream backlog of N records over S shards, served by the controlled stream endpoint (tests/support/
// stream-server) and scripted into its model in memory: the records are the bench items as INSERTs, routed to
// shards by key hash as DynamoDB does. Not fed from real DynamoDB Local writes, because a source JVM writing and
// a feeder pumping N records would cost more CPU than the replicators being measured on a two-core machine, and
// what is measured is the workers and the destination, not the source. The model takes the real source table's
// stream ARN and key schema, so the replicator's startup checks against DynamoDB Local agree with what it reads.
import { DescribeTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { KeySchemaEntry } from '../tests/support/stream-server/stream-model.js';
import { StreamServer } from '../tests/support/stream-server/stream-server.js';
import { makeItem } from './items.js';
import type { Lifetime } from './lifetime.js';

export interface ScriptedBacklog {
  /** --source-streams-endpoint for the workers. */
  readonly url: string;
  /** Records routed to each shard. */
  readonly perShard: readonly number[];
  readonly server: StreamServer;
  readonly close: () => Promise<void>;
}

export async function serveScriptedBacklog(
  source: DynamoDBClient,
  sourceTable: string,
  options: { shards: number; records: number; latencyMs: number },
  lifetime: Lifetime,
): Promise<ScriptedBacklog> {
  lifetime.check();
  const { Table: table } = await source.send(new DescribeTableCommand({ TableName: sourceTable }), {
    abortSignal: lifetime.signal,
  });
  const streamArn = table?.LatestStreamArn;
  if (table === undefined || streamArn === undefined) throw new Error(`${sourceTable} has no stream`);
  const keySchema: KeySchemaEntry[] = (table.KeySchema ?? []).map((k) => ({
    AttributeName: k.AttributeName ?? '?',
    KeyType: k.KeyType === 'RANGE' ? 'RANGE' : 'HASH',
  }));
  const server = await StreamServer.start();
  const close = lifetime.own(
    'stream server',
    () => server.close(),
    () => undefined, // in this process: it ends with it
  );
  const model = server.createStream({
    streamArn,
    keySchema,
    viewType: 'NEW_AND_OLD_IMAGES',
    shards: options.shards,
  });
  for (let i = 0; i < options.records; i++) {
    const item = makeItem(i);
    model.append({ pk: item.pk! }, item);
  }
  // Every call answered this much later, like a remote DynamoDB Streams endpoint (none by default).
  if (options.latencyMs > 0) server.faults.delay(options.latencyMs);
  return {
    url: server.url,
    perShard: model.listedShards().map((s) => s.recordCount),
    server,
    close,
  };
}
