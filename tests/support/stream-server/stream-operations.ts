// The four DynamoDB Streams operations, evaluated against the stream models: input checks and answers as AWS
// gives them (page sizes, sequence number ranges, iterator expiry, trimmed data, the end of a closed shard).
// Pure with respect to I/O: the server hands in parsed JSON and serializes what comes back; every failure is
// a StreamApiError. Each answer also says what was served (shard, records), for the access log.
import { decodeIterator } from './iterator-token.js';
import type { ModelShard } from './model-shard.js';
import { formatSequenceNumber, parseSequenceNumber } from './sequence-number.js';
import { streamErrors } from './stream-api-error.js';
import type { StreamModel } from './stream-model.js';

export type StreamOperation = 'DescribeStream' | 'GetShardIterator' | 'GetRecords' | 'ListStreams';

export const STREAM_OPERATIONS: readonly StreamOperation[] = [
  'DescribeStream',
  'GetShardIterator',
  'GetRecords',
  'ListStreams',
];

/** What a call touched, for the access log. */
export interface ServedDetail {
  readonly streamArn?: string;
  readonly shardId?: string;
  readonly iteratorType?: string;
  readonly records?: number;
  readonly firstSequenceNumber?: string;
  readonly lastSequenceNumber?: string;
  /** GetRecords answered without NextShardIterator: the reader now knows the shard ended. */
  readonly shardEnded?: boolean;
}

export interface OperationResult {
  readonly body: Record<string, unknown>;
  readonly detail: ServedDetail;
}

type Input = Record<string, unknown>;

/** GetRecords answers at most 1 MB (and 1000 records). */
const MAX_PAGE_BYTES = 1024 * 1024;

export class StreamOperations {
  readonly #streams: ReadonlyMap<string, StreamModel>;
  readonly #describePageSize: () => number;

  constructor(streams: ReadonlyMap<string, StreamModel>, describePageSize: () => number) {
    this.#streams = streams;
    this.#describePageSize = describePageSize;
  }

  run(operation: StreamOperation, input: Input): OperationResult {
    switch (operation) {
      case 'DescribeStream':
        return this.#describeStream(input);
      case 'GetShardIterator':
        return this.#getShardIterator(input);
      case 'GetRecords':
        return this.#getRecords(input);
      case 'ListStreams':
        return this.#listStreams(input);
    }
  }

  #stream(streamArn: unknown): StreamModel {
    const arn = requireString(streamArn, 'StreamArn');
    const model = this.#streams.get(arn);
    if (model === undefined) throw streamErrors.streamNotFound(arn);
    return model;
  }

  #describeStream(input: Input): OperationResult {
    const model = this.#stream(input.StreamArn);
    const limit = optionalLimit(input.Limit, 100) ?? this.#describePageSize();
    const all = model.allShards();
    let start = 0;
    if (input.ExclusiveStartShardId !== undefined) {
      const after = requireString(input.ExclusiveStartShardId, 'ExclusiveStartShardId');
      // Removed shards keep their place in the order, so a page boundary on one stays valid.
      const index = all.findIndex((s) => s.shardId === after);
      if (index < 0)
        throw streamErrors.validation(`ExclusiveStartShardId ${after} is not a shard of the stream`);
      start = index + 1;
    }
    const filter = input.ShardFilter as { Type?: unknown; ShardId?: unknown } | undefined;
    let listed = all.slice(start).filter((s) => !s.removed);
    if (filter !== undefined) {
      if (filter.Type !== 'CHILD_SHARDS')
        throw streamErrors.validation('ShardFilter.Type must be CHILD_SHARDS');
      const parent = requireString(filter.ShardId, 'ShardFilter.ShardId');
      listed = listed.filter((s) => s.parentShardId === parent);
    }
    const page = listed.slice(0, limit);
    const last = page.at(-1);
    const description: Record<string, unknown> = {
      StreamArn: model.streamArn,
      StreamLabel: model.streamLabel,
      StreamStatus: model.streamStatus,
      StreamViewType: model.viewType,
      CreationRequestDateTime: Math.floor(model.createdAtMs / 1000),
      TableName: model.tableName,
      KeySchema: model.keySchema,
      Shards: page.map((s) => s.describe()),
    };
    if (listed.length > page.length && last !== undefined) description.LastEvaluatedShardId = last.shardId;
    return { body: { StreamDescription: description }, detail: { streamArn: model.streamArn } };
  }

  #getShardIterator(input: Input): OperationResult {
    const model = this.#stream(input.StreamArn);
    const shardId = requireString(input.ShardId, 'ShardId');
    const type = requireString(input.ShardIteratorType, 'ShardIteratorType');
    const shard = model.findShard(shardId);
    if (shard === undefined || shard.removed) throw streamErrors.shardNotFound(shardId);
    let cursor: bigint;
    switch (type) {
      case 'TRIM_HORIZON':
        cursor = shard.readableFrom;
        break;
      case 'LATEST':
        cursor =
          shard.endingSequenceNumber === undefined
            ? model.nextSequenceNumber
            : shard.endingSequenceNumber + 1n;
        break;
      case 'AT_SEQUENCE_NUMBER':
      case 'AFTER_SEQUENCE_NUMBER': {
        const sequenceNumber = checkedSequenceNumber(shard, input.SequenceNumber);
        cursor = type === 'AT_SEQUENCE_NUMBER' ? sequenceNumber : sequenceNumber + 1n;
        if (cursor < shard.readableFrom) throw streamErrors.trimmed(shardId);
        break;
      }
      default:
        throw streamErrors.validation(`Invalid ShardIteratorType: ${type}`);
    }
    return {
      body: { ShardIterator: model.issueIterator(shard, cursor) },
      detail: { streamArn: model.streamArn, shardId, iteratorType: type },
    };
  }

  #getRecords(input: Input): OperationResult {
    const state = decodeIterator(input.ShardIterator);
    if (state === undefined) throw streamErrors.validation('Invalid ShardIterator');
    const limit = optionalLimit(input.Limit, 1000) ?? 1000;
    const model = this.#streams.get(state.streamArn);
    if (model === undefined) throw streamErrors.streamNotFound(state.streamArn);
    const shard = model.findShard(state.shardId);
    if (shard === undefined || state.nonce !== model.nonce)
      throw streamErrors.validation('Invalid ShardIterator');
    const now = model.now();
    if (state.epoch < shard.expiryEpoch) throw streamErrors.expiredOnDemand();
    if (now - state.issuedAtMs > model.iteratorMaxAgeMs) {
      throw streamErrors.expired(state.issuedAtMs, now, model.iteratorMaxAgeMs);
    }
    if (shard.removed) throw streamErrors.shardNotFound(shard.shardId);
    if (state.cursor < shard.readableFrom) throw streamErrors.trimmed(shard.shardId);

    const page = shard.recordsFrom(state.cursor, limit, MAX_PAGE_BYTES);
    const shardEnded = !shard.isOpen && !page.more;
    const body: Record<string, unknown> = { Records: page.records.map((r) => r.wire) };
    if (!shardEnded) body.NextShardIterator = model.issueIterator(shard, page.nextCursor);
    const first = page.records[0];
    const last = page.records.at(-1);
    return {
      body,
      detail: {
        streamArn: model.streamArn,
        shardId: shard.shardId,
        records: page.records.length,
        shardEnded,
        ...(first === undefined ? {} : { firstSequenceNumber: first.wire.dynamodb.SequenceNumber }),
        ...(last === undefined ? {} : { lastSequenceNumber: last.wire.dynamodb.SequenceNumber }),
      },
    };
  }

  #listStreams(input: Input): OperationResult {
    const limit = optionalLimit(input.Limit, 100) ?? 100;
    const table = input.TableName === undefined ? undefined : requireString(input.TableName, 'TableName');
    let streams = [...this.#streams.values()].filter((m) => table === undefined || m.tableName === table);
    if (input.ExclusiveStartStreamArn !== undefined) {
      const after = requireString(input.ExclusiveStartStreamArn, 'ExclusiveStartStreamArn');
      streams = streams.slice(streams.findIndex((m) => m.streamArn === after) + 1);
    }
    const page = streams.slice(0, limit);
    const body: Record<string, unknown> = {
      Streams: page.map((m) => ({
        StreamArn: m.streamArn,
        TableName: m.tableName,
        StreamLabel: m.streamLabel,
      })),
    };
    const last = page.at(-1);
    if (streams.length > page.length && last !== undefined) body.LastEvaluatedStreamArn = last.streamArn;
    return { body, detail: {} };
  }
}

function requireString(value: unknown, name: string): string {
  if (typeof value !== 'string' || value === '') throw streamErrors.validation(`${name} is required`);
  return value;
}

function optionalLimit(value: unknown, max: number): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > max) {
    throw streamErrors.validation(
      `1 validation error detected: Value '${JSON.stringify(value)}' at 'limit' failed to satisfy constraint: Member must have value between 1 and ${max}`,
    );
  }
  return value;
}

/** A sequence number the shard holds (from its start to its newest record), as a bigint. */
function checkedSequenceNumber(shard: ModelShard, value: unknown): bigint {
  const sequenceNumber = parseSequenceNumber(value);
  if (sequenceNumber === undefined) {
    throw streamErrors.validation(
      'SequenceNumber is required for AT_SEQUENCE_NUMBER and AFTER_SEQUENCE_NUMBER',
    );
  }
  if (sequenceNumber < shard.startingSequenceNumber || sequenceNumber > shard.lastSequenceNumber) {
    throw streamErrors.validation(
      `Invalid SequenceNumber ${formatSequenceNumber(sequenceNumber)} for shard ${shard.shardId}`,
    );
  }
  return sequenceNumber;
}
