// A stand-in for Lambda's DynamoDB Streams event source mapping that runs as the service does, over a real stream
// (DynamoDB Local's): it polls every shard (a child after its parent is done), cuts batches of at most `batchSize`
// records and keeps one batch in flight per shard, or per lane with a parallelization factor (records go to one of
// N lanes by a hash of their key, so one key's records stay in order). As AWS documents it: a response whose
// batchItemFailures is empty or absent is success; otherwise the lowest reported record is the checkpoint and the
// batch is retried from there; an identifier that is empty, absent or not in the batch fails the whole batch. A
// thrown error or a timeout is a function error: with bisectBatchOnFunctionError the batch is split in halves, each
// retried (not counted as a retry); after maximumRetryAttempts retries, or once a record is older than
// maximumRecordAgeSeconds, the records are discarded to `discarded` (the on-failure destination) and the lane goes
// on. Not modelled: the 6 MB payload limit, batching windows, tumbling windows, filter criteria.
import { createHash } from 'node:crypto';
import {
  DescribeStreamCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type DynamoDBStreamsClient,
} from '@aws-sdk/client-dynamodb-streams';
import type { LambdaStreamRecord } from '../../src/lambda/lambda-record.js';
import { sleep } from '../../src/util/sleep.js';
import { toLambdaRecord } from './lambda-events.js';
import {
  Lane,
  type FunctionUnderTest,
  type Invocation,
  type Discarded,
  type LaneSettings,
} from './lambda-lane.js';

export type { Discarded, FunctionUnderTest, Invocation } from './lambda-lane.js';

export interface MappingOptions {
  readonly streams: DynamoDBStreamsClient;
  readonly streamArn: string;
  readonly handler: FunctionUnderTest;
  /** Lambda's default for DynamoDB Streams: 100. */
  readonly batchSize?: number;
  /** Concurrent batches per shard, 1 (the default) to 10. */
  readonly parallelizationFactor?: number;
  readonly bisectBatchOnFunctionError?: boolean;
  /** -1 (the default): until the record expires. */
  readonly maximumRetryAttempts?: number;
  /** -1 (the default): no limit. */
  readonly maximumRecordAgeSeconds?: number;
  /** The function's timeout: what the context's getRemainingTimeInMillis counts down from. Lambda's default 3 s. */
  readonly functionTimeoutMs?: number;
  readonly startingPosition?: 'TRIM_HORIZON' | 'LATEST';
  /** The attribute whose value picks a lane; the whole key when absent. */
  readonly partitionKey?: string;
  /** Between GetRecords calls that found nothing (Lambda polls each shard about four times a second). */
  readonly pollIntervalMs?: number;
  /** The clock a record's age is measured by (a test moves it on). */
  readonly now?: () => number;
}

interface ShardState {
  readonly shardId: string;
  readonly parentId: string | undefined;
  readonly lanes: Lane[];
  /** Read to its end (a closed shard) and every lane empty. */
  done: boolean;
  /** The last GetRecords found nothing new (an open shard at its tip). */
  atTip: boolean;
  loop: Promise<void>;
}

/** Records buffered per lane before its shard's reader waits: Lambda reads ahead only a little. */
const READ_AHEAD_BATCHES = 10;

export class EventSourceMapping {
  readonly invocations: Invocation[] = [];
  readonly discarded: Discarded[] = [];
  /** Records read from the stream, per shard in order. */
  readonly read: LambdaStreamRecord[] = [];
  readonly streamArn: string;
  readonly #options: MappingOptions;
  readonly #settings: LaneSettings;
  readonly #shards = new Map<string, ShardState>();
  readonly #abort = new AbortController();
  #discovery: Promise<void> | undefined;
  /** The last error of a reader (the mapping keeps polling, as Lambda does). */
  lastReadError: unknown;

  constructor(options: MappingOptions) {
    const factor = options.parallelizationFactor ?? 1;
    if (!Number.isInteger(factor) || factor < 1 || factor > 10) {
      throw new RangeError(`parallelizationFactor is 1 to 10, got ${factor}`);
    }
    this.#options = options;
    this.streamArn = options.streamArn;
    this.#settings = {
      batchSize: options.batchSize ?? 100,
      bisect: options.bisectBatchOnFunctionError ?? false,
      maximumRetryAttempts: options.maximumRetryAttempts ?? -1,
      maximumRecordAgeSeconds: options.maximumRecordAgeSeconds ?? -1,
      functionTimeoutMs: options.functionTimeoutMs ?? 3_000,
      now: options.now ?? Date.now,
      handler: options.handler,
      invocations: this.invocations,
      discarded: this.discarded,
      signal: this.#abort.signal,
    };
  }

  start(): this {
    this.#discovery ??= this.#discover();
    return this;
  }

  /** Stops polling and waits for the batches in flight (each ends within the function's timeout). */
  async stop(): Promise<void> {
    this.#abort.abort();
    await this.#discovery;
    await Promise.all([...this.#shards.values()].map((s) => s.loop));
  }

  /** Every shard read to its tip (or end) and every record read handled: done, or discarded. */
  get caughtUp(): boolean {
    return (
      this.#shards.size > 0 &&
      [...this.#shards.values()].every((s) => s.done || (s.atTip && s.lanes.every((l) => l.idle)))
    );
  }

  /** The most batches that were in flight at once, over the mapping's life. */
  get maxConcurrency(): number {
    const edges = this.invocations.flatMap((i) => [
      { at: i.startedAt, step: 1 },
      { at: i.startedAt + i.ms, step: -1 },
    ]);
    edges.sort((a, b) => a.at - b.at || a.step - b.step);
    let now = 0;
    let most = 0;
    for (const edge of edges) {
      now += edge.step;
      most = Math.max(most, now);
    }
    return most;
  }

  async #discover(): Promise<void> {
    const signal = this.#abort.signal;
    let first = true;
    while (!signal.aborted) {
      try {
        const out = await this.#options.streams.send(
          new DescribeStreamCommand({ StreamArn: this.#options.streamArn }),
          { abortSignal: signal },
        );
        for (const shard of out.StreamDescription?.Shards ?? []) {
          if (shard.ShardId === undefined || this.#shards.has(shard.ShardId)) continue;
          const position = first ? (this.#options.startingPosition ?? 'TRIM_HORIZON') : 'TRIM_HORIZON';
          this.#addShard(shard.ShardId, shard.ParentShardId, position);
        }
        first = false;
      } catch (err) {
        if (!signal.aborted) this.lastReadError = err;
      }
      await sleep(1_000, signal).catch(() => undefined);
    }
  }

  /** A shard found at the start is read from the starting position, one found later from its first record. */
  #addShard(shardId: string, parentId: string | undefined, position: 'TRIM_HORIZON' | 'LATEST'): void {
    const factor = this.#options.parallelizationFactor ?? 1;
    const state: ShardState = {
      shardId,
      parentId,
      lanes: Array.from({ length: factor }, (_, i) => new Lane(`${shardId}#${i}`, this.#settings)),
      done: false,
      atTip: false,
      loop: Promise.resolve(),
    };
    this.#shards.set(shardId, state);
    state.loop = this.#readShard(state, position).catch((err: unknown) => {
      this.lastReadError = err;
    });
  }

  /** A child shard's records come after its parent's: it is read once the parent is done (or unknown here). */
  async #parentDone(state: ShardState): Promise<void> {
    const signal = this.#abort.signal;
    while (!signal.aborted) {
      const parent = state.parentId === undefined ? undefined : this.#shards.get(state.parentId);
      if (parent === undefined || parent.done) return;
      await sleep(this.#options.pollIntervalMs ?? 250, signal).catch(() => undefined);
    }
  }

  async #readShard(state: ShardState, position: 'TRIM_HORIZON' | 'LATEST'): Promise<void> {
    const signal = this.#abort.signal;
    const pollMs = this.#options.pollIntervalMs ?? 250;
    await this.#parentDone(state);
    const lanes = state.lanes.map((lane) => lane.run());
    let ended = false;
    let last: string | undefined;
    try {
      let iterator = await this.#iterator(state.shardId, position);
      while (iterator !== undefined && !signal.aborted) {
        if (state.lanes.some((lane) => lane.buffered >= this.#settings.batchSize * READ_AHEAD_BATCHES)) {
          await sleep(20, signal).catch(() => undefined);
          continue;
        }
        let page;
        try {
          page = await this.#options.streams.send(
            new GetRecordsCommand({ ShardIterator: iterator, Limit: 1000 }),
            { abortSignal: signal },
          );
        } catch (err) {
          if (!signal.aborted) this.lastReadError = err;
          await sleep(pollMs, signal).catch(() => undefined);
          // DynamoDB Local 3.3.0 numbers records across all tables of the instance, so an iterator taken on an
          // empty shard fails with TrimmedDataAccessException once other tables' writes pass it; an iterator
          // also expires. Either way a new one is taken where reading stands (after the last record read, or at
          // the starting position); other errors keep polling the same position, as Lambda does.
          const name = (err as { name?: string }).name;
          if (name === 'TrimmedDataAccessException' || name === 'ExpiredIteratorException') {
            iterator = await this.#iterator(state.shardId, position, last);
          }
          continue;
        }
        const records = (page.Records ?? []).map((r) => toLambdaRecord(r, this.#options.streamArn));
        for (const record of records) {
          last = record.dynamodb?.SequenceNumber ?? last;
          this.read.push(record);
          state.lanes[this.#laneOf(record, state.lanes.length)]?.push(record);
        }
        iterator = page.NextShardIterator;
        ended = iterator === undefined;
        state.atTip = records.length === 0;
        if (records.length === 0 && !ended) await sleep(pollMs, signal).catch(() => undefined);
      }
    } finally {
      // A closed shard is done once its lanes have handled everything read from it.
      for (const lane of state.lanes) lane.close();
      await Promise.all(lanes);
      state.done = ended && !signal.aborted;
    }
  }

  /** An iterator at the position (or after a record read), asked for until the stream answers (or the mapping stops). */
  async #iterator(
    shardId: string,
    position: 'TRIM_HORIZON' | 'LATEST',
    after?: string,
  ): Promise<string | undefined> {
    const signal = this.#abort.signal;
    while (!signal.aborted) {
      try {
        const out = await this.#options.streams.send(
          new GetShardIteratorCommand({
            StreamArn: this.#options.streamArn,
            ShardId: shardId,
            ...(after === undefined
              ? { ShardIteratorType: position }
              : { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: after }),
          }),
          { abortSignal: signal },
        );
        return out.ShardIterator;
      } catch (err) {
        if (!signal.aborted) this.lastReadError = err;
        await sleep(this.#options.pollIntervalMs ?? 250, signal).catch(() => undefined);
      }
    }
    return undefined;
  }

  #laneOf(record: LambdaStreamRecord, lanes: number): number {
    if (lanes === 1) return 0;
    const keys = record.dynamodb?.Keys ?? {};
    const name = this.#options.partitionKey;
    const value =
      name === undefined
        ? Object.keys(keys)
            .sort()
            .map((k) => [k, keys[k]])
        : keys[name];
    return createHash('md5').update(JSON.stringify(value)).digest().readUInt32BE(0) % lanes;
  }
}
