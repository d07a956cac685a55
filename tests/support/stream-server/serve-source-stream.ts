// The stream server in front of a real source table: the model takes the table's own StreamArn, key schema and
// view type (so the replicator's startup checks against DynamoDB Local agree with what it then reads), and a
// feeder pumps the table's real stream into the model. The replicator gets `args()` to read from the server.
import { DescribeTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { LOCAL_CREDENTIALS } from '../../../src/local/dynamodb-local.js';
import { SOURCE_REGION, sourceEndpoint } from '../local-env.js';
import { StreamFeeder } from './stream-feeder.js';
import type { KeySchemaEntry, StreamModel, StreamModelOptions } from './stream-model.js';
import { StreamServer, type StreamServerOptions } from './stream-server.js';

export interface ServedSourceStream {
  readonly server: StreamServer;
  readonly model: StreamModel;
  readonly feeder: StreamFeeder;
  readonly streamArn: string;
  /** Flags for `replicate` that make it read the stream from the server. */
  args(): string[];
  /** Stops the feeder, then the server. Safe to call more than once. */
  close(): Promise<void>;
}

export async function serveSourceStream(
  source: DynamoDBClient,
  sourceTable: string,
  options: StreamServerOptions & Pick<StreamModelOptions, 'shards' | 'iteratorMaxAgeMs'> = {},
): Promise<ServedSourceStream> {
  const { Table: table } = await source.send(new DescribeTableCommand({ TableName: sourceTable }));
  const streamArn = table?.LatestStreamArn;
  if (table === undefined || streamArn === undefined)
    throw new Error(`source table ${sourceTable} has no stream`);
  const keySchema: KeySchemaEntry[] = (table.KeySchema ?? []).map((k) => ({
    AttributeName: k.AttributeName ?? '?',
    KeyType: k.KeyType === 'RANGE' ? 'RANGE' : 'HASH',
  }));
  const server = await StreamServer.start(options);
  const model = server.createStream({
    streamArn,
    keySchema,
    viewType: table.StreamSpecification?.StreamViewType ?? 'NEW_AND_OLD_IMAGES',
    ...(options.shards === undefined ? {} : { shards: options.shards }),
    ...(options.iteratorMaxAgeMs === undefined ? {} : { iteratorMaxAgeMs: options.iteratorMaxAgeMs }),
  });
  const client = new DynamoDBStreamsClient({
    endpoint: sourceEndpoint(),
    region: SOURCE_REGION,
    credentials: LOCAL_CREDENTIALS,
  });
  const feeder = new StreamFeeder({ client, sourceStreamArn: streamArn, model }).start();
  let closed: Promise<void> | undefined;
  return {
    server,
    model,
    feeder,
    streamArn,
    args: () => ['--source-streams-endpoint', server.url],
    close: () =>
      (closed ??= (async () => {
        await feeder.stop();
        client.destroy();
        await server.close();
      })()),
  };
}
