// The narrow view of DynamoDB Streams that readers and shard discovery use. The only implementation calls the
// real SDK client; tests that need many shards or injected faults point that client at a controlled endpoint.
import {
  DescribeStreamCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type DynamoDBStreamsClient,
  type _Record,
} from '@aws-sdk/client-dynamodb-streams';
import type { ReadPosition, ShardInfo } from './shard-info.js';

export interface StreamApi {
  /** Every shard of the stream, following DescribeStream's pagination. */
  listShards(streamArn: string, signal?: AbortSignal): Promise<StreamShards>;
  getShardIterator(
    streamArn: string,
    shardId: string,
    position: ReadPosition,
    signal?: AbortSignal,
  ): Promise<string | undefined>;
  getRecords(
    iterator: string,
    limit: number,
    signal?: AbortSignal,
  ): Promise<{ records: _Record[]; nextIterator: string | undefined }>;
}

export interface StreamShards {
  readonly status: string | undefined;
  readonly viewType: string | undefined;
  readonly shards: readonly ShardInfo[];
}

export class SdkStreamApi implements StreamApi {
  readonly #client: DynamoDBStreamsClient;

  constructor(client: DynamoDBStreamsClient) {
    this.#client = client;
  }

  async listShards(streamArn: string, signal?: AbortSignal): Promise<StreamShards> {
    const shards: ShardInfo[] = [];
    let exclusiveStartShardId: string | undefined;
    let status: string | undefined;
    let viewType: string | undefined;
    do {
      const out = await this.#client.send(
        new DescribeStreamCommand({ StreamArn: streamArn, ExclusiveStartShardId: exclusiveStartShardId }),
        { abortSignal: signal },
      );
      const description = out.StreamDescription;
      status = description?.StreamStatus;
      viewType = description?.StreamViewType;
      for (const shard of description?.Shards ?? []) {
        if (shard.ShardId === undefined) continue;
        shards.push({
          shardId: shard.ShardId,
          parentShardIds: shard.ParentShardId === undefined ? [] : [shard.ParentShardId],
          endingSequenceNumber: shard.SequenceNumberRange?.EndingSequenceNumber,
          startingSequenceNumber: shard.SequenceNumberRange?.StartingSequenceNumber,
        });
      }
      exclusiveStartShardId = description?.LastEvaluatedShardId;
    } while (exclusiveStartShardId !== undefined);
    return { status, viewType, shards };
  }

  async getShardIterator(
    streamArn: string,
    shardId: string,
    position: ReadPosition,
    signal?: AbortSignal,
  ): Promise<string | undefined> {
    const out = await this.#client.send(
      new GetShardIteratorCommand({
        StreamArn: streamArn,
        ShardId: shardId,
        ShardIteratorType: position.type,
        SequenceNumber:
          position.type === 'AFTER_SEQUENCE_NUMBER' || position.type === 'AT_SEQUENCE_NUMBER'
            ? position.sequenceNumber
            : undefined,
      }),
      { abortSignal: signal },
    );
    return out.ShardIterator;
  }

  async getRecords(
    iterator: string,
    limit: number,
    signal?: AbortSignal,
  ): Promise<{ records: _Record[]; nextIterator: string | undefined }> {
    const out = await this.#client.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: limit }), {
      abortSignal: signal,
    });
    return { records: out.Records ?? [], nextIterator: out.NextShardIterator };
  }
}
