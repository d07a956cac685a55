// Pumps a real DynamoDB Local stream into a stream model: tests write to a real source table, and every change
// the source's own stream records is appended to the model (event, keys, new and old images), where it is routed
// to the model's many shards. Reads source shards parents first, one page per shard per round, so a round is
// short; stops on its AbortSignal or after too many failures in a row, never spins, never waits unbounded.
import {
  DescribeStreamCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type DynamoDBStreamsClient,
  type _Record,
} from '@aws-sdk/client-dynamodb-streams';
import { errorMessage } from '../../../src/errors/replicator-error.js';
import { sleep } from '../../../src/util/sleep.js';
import type { StreamModel } from './stream-model.js';

export interface StreamFeederDeps {
  /** A client for the source's real stream (DynamoDB Local's endpoint). */
  readonly client: DynamoDBStreamsClient;
  readonly sourceStreamArn: string;
  readonly model: StreamModel;
  /** Wait after a round that found nothing new (default 25 ms). */
  readonly pollIntervalMs?: number;
  readonly batchSize?: number;
  /** The loop gives up (and `caughtUp` rejects) after this many failed rounds in a row (default 20). */
  readonly maxFailures?: number;
}

interface SourceShard {
  readonly shardId: string;
  readonly parentShardId: string | undefined;
  iterator: string | undefined;
  lastSequenceNumber: string | undefined;
  ended: boolean;
}

export class StreamFeeder {
  readonly #deps: StreamFeederDeps;
  readonly #stop = new AbortController();
  readonly #shards = new Map<string, SourceShard>();
  readonly #waiters = new Set<() => void>();
  #running: Promise<void> | undefined;
  #fed = 0;
  #roundsStarted = 0;
  #lastQuietRound = 0;
  #error: unknown;

  constructor(deps: StreamFeederDeps) {
    this.#deps = deps;
  }

  /** Records appended to the model so far. */
  get fed(): number {
    return this.#fed;
  }

  /** Why the loop gave up, if it did. */
  get error(): unknown {
    return this.#error;
  }

  start(signal?: AbortSignal): this {
    const stop = signal === undefined ? this.#stop.signal : AbortSignal.any([signal, this.#stop.signal]);
    this.#running ??= this.#run(stop).finally(() => this.#notify());
    return this;
  }

  async stop(): Promise<void> {
    this.#stop.abort();
    await this.#running;
  }

  /** Resolves once a round that began after this call found nothing new: every earlier write is in the model. */
  async caughtUp(timeoutMs = 30_000): Promise<void> {
    const target = this.#roundsStarted + 1;
    const deadline = performance.now() + timeoutMs;
    while (this.#lastQuietRound < target) {
      if (this.#error !== undefined) {
        throw new Error(`the stream feeder stopped: ${errorMessage(this.#error)}`, { cause: this.#error });
      }
      if (this.#running === undefined || this.#stop.signal.aborted)
        throw new Error('the stream feeder is not running');
      const left = deadline - performance.now();
      if (left <= 0)
        throw new Error(`the stream feeder did not catch up within ${timeoutMs} ms (fed ${this.#fed})`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, left);
        function done(): void {
          clearTimeout(timer);
          resolve();
        }
        this.#waiters.add(() => done());
      });
    }
  }

  async #run(signal: AbortSignal): Promise<void> {
    const maxFailures = this.#deps.maxFailures ?? 20;
    let failures = 0;
    let rounds = 0;
    while (!signal.aborted) {
      const round = ++this.#roundsStarted;
      let fetched = 0;
      try {
        // The source's shard list changes rarely (DynamoDB Local rolls shards over seldom): look now and then.
        if (rounds++ % 40 === 0 || this.#readable().length === 0) await this.#refreshShards(signal);
        for (const shard of this.#readable()) fetched += await this.#poll(shard, signal);
        failures = 0;
      } catch (err) {
        if (signal.aborted) return;
        failures += 1;
        if (failures >= maxFailures) {
          this.#error = err;
          return;
        }
        await sleep(Math.min(1_000, 20 * 2 ** failures), signal);
        continue;
      }
      if (fetched === 0) this.#lastQuietRound = round;
      this.#notify();
      if (fetched === 0) await sleep(this.#deps.pollIntervalMs ?? 25, signal);
    }
  }

  #notify(): void {
    for (const wake of this.#waiters) wake();
    this.#waiters.clear();
  }

  /** Shards not read to their end whose parent (if the stream still lists it) has been. */
  #readable(): SourceShard[] {
    return [...this.#shards.values()].filter((shard) => {
      if (shard.ended) return false;
      const parent = shard.parentShardId === undefined ? undefined : this.#shards.get(shard.parentShardId);
      return parent === undefined || parent.ended;
    });
  }

  async #refreshShards(signal: AbortSignal): Promise<void> {
    let exclusiveStartShardId: string | undefined;
    do {
      const out = await this.#deps.client.send(
        new DescribeStreamCommand({
          StreamArn: this.#deps.sourceStreamArn,
          ExclusiveStartShardId: exclusiveStartShardId,
        }),
        { abortSignal: signal },
      );
      for (const shard of out.StreamDescription?.Shards ?? []) {
        if (shard.ShardId === undefined || this.#shards.has(shard.ShardId)) continue;
        this.#shards.set(shard.ShardId, {
          shardId: shard.ShardId,
          parentShardId: shard.ParentShardId,
          iterator: undefined,
          lastSequenceNumber: undefined,
          ended: false,
        });
      }
      exclusiveStartShardId = out.StreamDescription?.LastEvaluatedShardId;
    } while (exclusiveStartShardId !== undefined && !signal.aborted);
  }

  async #poll(shard: SourceShard, signal: AbortSignal): Promise<number> {
    const { client, sourceStreamArn } = this.#deps;
    const type = shard.lastSequenceNumber === undefined ? 'TRIM_HORIZON' : 'AFTER_SEQUENCE_NUMBER';
    if (shard.iterator === undefined) {
      try {
        const out = await client.send(
          new GetShardIteratorCommand({
            StreamArn: sourceStreamArn,
            ShardId: shard.shardId,
            ShardIteratorType: type,
            SequenceNumber: shard.lastSequenceNumber,
          }),
          { abortSignal: signal },
        );
        shard.iterator = out.ShardIterator;
      } catch (err) {
        throw withContext(
          err,
          `GetShardIterator ${type} ${shard.lastSequenceNumber ?? ''} on ${shard.shardId}`,
        );
      }
    }
    if (shard.iterator === undefined) {
      shard.ended = true;
      return 0;
    }
    let out;
    try {
      out = await client.send(
        new GetRecordsCommand({ ShardIterator: shard.iterator, Limit: this.#deps.batchSize ?? 1000 }),
        { abortSignal: signal },
      );
    } catch (err) {
      const name = (err as { name?: string }).name;
      // Renewed from the last record appended on the next round; nothing is appended twice.
      if (name === 'ExpiredIteratorException') shard.iterator = undefined;
      // DynamoDB Local 3.3.0 numbers records across all tables of the instance, and an iterator taken on an
      // empty shard fails with TrimmedDataAccessException once other tables' writes put the shard's first record
      // past it. Nothing was read and nothing can be trimmed yet (24 h retention): start at TRIM_HORIZON again.
      if (name === 'TrimmedDataAccessException' && shard.lastSequenceNumber === undefined) {
        shard.iterator = undefined;
        return 0;
      }
      throw withContext(err, `GetRecords on ${shard.shardId} after ${shard.lastSequenceNumber ?? 'nothing'}`);
    }
    const records = out.Records ?? [];
    for (const record of records) this.#append(record);
    shard.lastSequenceNumber = records.at(-1)?.dynamodb?.SequenceNumber ?? shard.lastSequenceNumber;
    shard.iterator = out.NextShardIterator;
    if (shard.iterator === undefined) shard.ended = true;
    return records.length;
  }

  #append(record: _Record): void {
    const data = record.dynamodb;
    if (data?.Keys === undefined || record.eventName === undefined) {
      throw new Error(`source stream record ${record.eventID ?? '?'} has no keys or event name`);
    }
    this.#deps.model.appendChange({
      keys: data.Keys,
      eventName: record.eventName,
      newImage: data.NewImage,
      oldImage: data.OldImage,
      createdAt: data.ApproximateCreationDateTime,
    });
    this.#fed += 1;
  }
}

function withContext(err: unknown, context: string): Error {
  const name = (err as { name?: string }).name ?? 'Error';
  return new Error(`${context}: ${name}: ${err instanceof Error ? err.message : String(err)}`, {
    cause: err,
  });
}
