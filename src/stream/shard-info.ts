// A shard as the replicator tracks it, and where reading of a shard starts.

export interface ShardInfo {
  readonly shardId: string;
  /** DynamoDB Streams shards have at most one parent; kept as a list to match the KCL lease (parentShardId SS). */
  readonly parentShardIds: readonly string[];
  /** Set once the shard is closed: no record will be added after it. */
  readonly endingSequenceNumber: string | undefined;
  readonly startingSequenceNumber: string | undefined;
}

export type ReadPosition =
  | { readonly type: 'TRIM_HORIZON' }
  | { readonly type: 'LATEST' }
  | { readonly type: 'AFTER_SEQUENCE_NUMBER'; readonly sequenceNumber: string }
  | { readonly type: 'AT_SEQUENCE_NUMBER'; readonly sequenceNumber: string };

export function describePosition(position: ReadPosition): string {
  if (position.type === 'AFTER_SEQUENCE_NUMBER') return `after ${position.sequenceNumber}`;
  if (position.type === 'AT_SEQUENCE_NUMBER') return `from its first record ${position.sequenceNumber}`;
  return position.type;
}
