// Lambda's DynamoDB Streams events from DynamoDB Local's stream: each record in the JSON Lambda delivers (attribute
// values in DynamoDB JSON with binary values as base64 text, the creation time in epoch seconds), and `deliver`, a
// replay of a list of records in batches of at most `batchSize`, in order, a reported failure retried from the
// reported record (the records before it count as done), stopping after `maxAttempts` failures in a row: for
// tests that assert every response. lambda-mapping.ts is the stand-in that runs as the event source mapping does
// (polling, a parallelization factor, bisection, retry and age limits).
import { DynamoDBStreamsClient, type _Record } from '@aws-sdk/client-dynamodb-streams';
import type { LambdaStreamRecord } from '../../src/lambda/lambda-record.js';
import { LOCAL_CREDENTIALS } from '../../src/local/dynamodb-local.js';
import type { BatchResponse } from '../../src/lambda/handler.js';
import { streamRecordsAt } from './stream-inspection.js';

/** An SDK attribute value back into Lambda's JSON (bytes as base64), recursively. */
function toJson(value: unknown): unknown {
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  if (Array.isArray(value)) return value.map(toJson);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toJson(v)]));
  }
  return value;
}

export function toLambdaRecord(record: _Record, streamArn: string): LambdaStreamRecord {
  const data = record.dynamodb ?? {};
  return {
    ...(record.eventID === undefined ? {} : { eventID: record.eventID }),
    ...(record.eventName === undefined ? {} : { eventName: record.eventName }),
    eventSourceARN: streamArn,
    dynamodb: {
      ...(data.ApproximateCreationDateTime === undefined
        ? {}
        : { ApproximateCreationDateTime: data.ApproximateCreationDateTime.getTime() / 1000 }),
      ...(data.Keys === undefined ? {} : { Keys: toJson(data.Keys) as Record<string, unknown> }),
      ...(data.NewImage === undefined ? {} : { NewImage: toJson(data.NewImage) as Record<string, unknown> }),
      ...(data.OldImage === undefined ? {} : { OldImage: toJson(data.OldImage) as Record<string, unknown> }),
      ...(data.SequenceNumber === undefined ? {} : { SequenceNumber: data.SequenceNumber }),
      ...(data.SizeBytes === undefined ? {} : { SizeBytes: data.SizeBytes }),
      ...(data.StreamViewType === undefined ? {} : { StreamViewType: data.StreamViewType }),
    },
  };
}

/** Every record of the stream so far, in order (DynamoDB Local: one shard per table). */
export async function readStream(
  client: DynamoDBStreamsClient,
  streamArn: string,
): Promise<LambdaStreamRecord[]> {
  return (await streamRecordsAt(client, streamArn)).map((record) => toLambdaRecord(record, streamArn));
}

/**
 * Delivers `records` in batches as the event source mapping does; a reported failure is retried from the
 * reported record, at most `maxAttempts` times per batch. Returns every response, in order.
 */
export async function deliver(
  records: readonly LambdaStreamRecord[],
  handler: (event: { Records: readonly LambdaStreamRecord[] }) => Promise<BatchResponse>,
  options: { batchSize: number; maxAttempts: number },
): Promise<BatchResponse[]> {
  const responses: BatchResponse[] = [];
  let from = 0;
  let attempts = 0;
  while (from < records.length) {
    const batch = records.slice(from, from + options.batchSize);
    const response = await handler({ Records: batch });
    responses.push(response);
    const failed = response.batchItemFailures[0]?.itemIdentifier;
    if (failed === undefined) {
      from += batch.length;
      attempts = 0;
      continue;
    }
    attempts += 1;
    if (attempts >= options.maxAttempts) break;
    const at = batch.findIndex((r) => r.dynamodb?.SequenceNumber === failed);
    if (at < 0) throw new Error(`the handler reported ${failed}, which is not in its batch`);
    from += at;
  }
  return responses;
}

export function streamsClient(endpoint: string, region: string): DynamoDBStreamsClient {
  return new DynamoDBStreamsClient({
    endpoint,
    region,
    credentials: LOCAL_CREDENTIALS,
  });
}
