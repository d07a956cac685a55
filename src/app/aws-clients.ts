// Builds the SDK clients for one side (source, destination, lease table), with the side's credential provider
// (side-clients.ts; the default chain when none is given, as for the demo's local tables). The data path retries on its own terms (forever, with its own backoff), so its clients make
// one attempt per call; the startup checks make two, so that an unreachable endpoint fails fast.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import type { AwsCredentialIdentityProvider } from '@smithy/types';
import type { Location } from '../config/replication-config.js';
import { streamsProtocol } from '../stream/stream-codec.js';
import { BatchWriteBodySerializer, type ShapeSerializer } from '../writer/batch-write-body.js';
import { carrySignals } from '../writer/cached-send.js';
import { FencedHttpHandler } from '../writer/fenced-http-handler.js';

export interface ClientOptions {
  readonly maxAttempts: number;
  readonly connectionTimeoutMs: number;
  readonly requestTimeoutMs: number;
  readonly maxSockets: number;
}

export const DATA_PATH: ClientOptions = {
  maxAttempts: 1,
  connectionTimeoutMs: 3_000,
  requestTimeoutMs: 30_000,
  maxSockets: 256,
};

/**
 * Stream reads: a GetRecords answer (at most 1 MB) takes well under a second even across regions, and a reader
 * waits for it before anything else of its shard moves, so a lost answer must not stall the shard for the data
 * path's 30 s (the chaos suite's dropped answers did exactly that). Ten seconds still leaves room for a slow
 * link: a timed-out read is only retried from the same iterator.
 */
export const STREAM_READS: ClientOptions = {
  ...DATA_PATH,
  requestTimeoutMs: 10_000,
};

export const STARTUP: ClientOptions = {
  maxAttempts: 2,
  connectionTimeoutMs: 3_000,
  requestTimeoutMs: 10_000,
  maxSockets: 16,
};

function clientConfig(
  location: Location,
  options: ClientOptions,
  credentials: AwsCredentialIdentityProvider | undefined,
) {
  const agentOptions = { keepAlive: true, maxSockets: options.maxSockets };
  return {
    region: location.region,
    ...(location.endpoint === undefined ? {} : { endpoint: location.endpoint }),
    ...(credentials === undefined ? {} : { credentials }),
    maxAttempts: options.maxAttempts,
    // Refuses a write whose deadline passed before it went out (a frozen process): see FencedHttpHandler.
    requestHandler: new FencedHttpHandler({
      connectionTimeout: options.connectionTimeoutMs,
      requestTimeout: options.requestTimeoutMs,
      // Without this the handler only logs a late answer and waits on: a dropped response would hang a reader
      // or a lease renewal for as long as the connection lives.
      throwOnRequestTimeout: true,
      agent: agentOptions,
    }),
  };
}

export function createDynamoClient(
  location: Location,
  options: ClientOptions,
  credentials?: AwsCredentialIdentityProvider,
): DynamoDBClient {
  const client = new DynamoDBClient(clientConfig(location, options, credentials));
  // The client's own protocol (DynamoDB's codec, its error classes), with the writer's BatchWriteItem bodies
  // written by JSON.stringify where that is the same text (batch-write-body.ts).
  const protocol = client.config.protocol as unknown as { serializer: ShapeSerializer };
  protocol.serializer = new BatchWriteBodySerializer(protocol.serializer);
  // The writer's requests reuse one middleware handler, their abort signals beside them (cached-send.ts).
  carrySignals(client);
  return client;
}

export function createStreamsClient(
  location: Location,
  options: ClientOptions,
  credentials?: AwsCredentialIdentityProvider,
): DynamoDBStreamsClient {
  return new DynamoDBStreamsClient({
    ...clientConfig(location, options, credentials),
    protocol: streamsProtocol(),
  });
}
