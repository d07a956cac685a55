// One shard, end to end: reader -> squash buffer -> table writer -> checkpoint. The reader runs ahead while
// flushes are in flight, held back by the worker's shared memory budget. Each flush holds at most one change per
// key; the next flush starts once the one before has sent all its requests (or all it can before the flushes
// ahead of it end), and a key that two write waits for the earlier (flush-chain.ts), which keeps per-key order
// (invariant 1); a checkpoint moves only after its flush and every one before it succeeded (invariant 2); every
// write is fenced by the lease (invariant 4).
import type { Logger } from 'pino';
import { SquashBuffer, type Flush } from '../buffer/squash-buffer.js';
import type { ReplicatorError } from '../errors/replicator-error.js';
import { LeaseLostError, ShardStoppedError, StoppedError, errorMessage } from '../errors/replicator-error.js';
import { LATEST, SHARD_END, TRIM_HORIZON } from '../lease/lease.js';
import type { ShardLease } from '../lease/shard-lease.js';
import type { EventBus } from '../observability/events.js';
import { describePosition, type ReadPosition } from '../stream/shard-info.js';
import type { ChangeRecord } from '../stream/change-record.js';
import type { ShardReader } from '../stream/shard-reader.js';
import type { Semaphore } from '../util/semaphore.js';
import { Wakeup } from '../util/wakeup.js';
import { planDestinationWrites, type DestinationRules } from '../rules/destination-writes.js';
import { FanOut } from '../writer/fan-out.js';
import { FlushChain, type WriteChanges } from '../writer/flush-chain.js';
import { WriteFailedError, type TableWriter, type WriteOutcome } from '../writer/table-writer.js';
import type { DeadLetterLane } from '../deadletter/dead-letter-lane.js';
import type { ChangeSink } from '../writer/change-sink.js';
import { Checkpointer } from './checkpointer.js';

export type PipelineOutcome = 'ended' | 'stopped' | 'lost';

export interface ShardPipelineDeps {
  readonly lease: ShardLease;
  readonly reader: ShardReader;
  readonly writer: TableWriter;
  readonly keyAttributes: readonly string[];
  /** Bytes of records held between reading and a finished flush, shared by the worker's shards. */
  readonly memory: Semaphore;
  /** Upper bound of one write request, for the lease fencing check. */
  readonly writeRequestTimeoutMs: number;
  /** Least time between two checkpoint writes of the shard (the final one does not wait). */
  readonly checkpointIntervalMs: number;
  readonly events: EventBus;
  readonly logger: Logger;
  /** Filter, transform and TTL rules for the destination; undefined: every change is written as it is. */
  readonly rules?: DestinationRules | undefined;
  /** `--on-reject dead-letter`: the task's lane, which writes the flushes and keeps refused changes apart. */
  readonly deadLetters?: DeadLetterLane | undefined;
  /**
   * A fan-out's further destinations, each with its own writer and rules: every flush goes to `writer` and to
   * each of these at its own pace (writer/fan-out.ts), and is checkpointed once all have written it.
   */
  readonly fanOut?: readonly PipelineDestination[] | undefined;
  /** Writes every flush instead of `writer` (writer/change-sink.ts); rules, dead letters and fan-out then unused. */
  readonly sink?: ChangeSink | undefined;
}

/** One destination of a fan-out. */
export interface PipelineDestination {
  readonly writer: TableWriter;
  readonly rules: DestinationRules | undefined;
}

/** What the flush loop needs of its writes: one destination's FlushChain, or a FanOut over several. */
type Flushes = Pick<FlushChain, 'ready' | 'records' | 'start' | 'throwIfFailed' | 'settle'>;

/**
 * What a batch costs in memory, as a JS heap estimate: SizeBytes counts the item bytes on the wire (new and old
 * image), while parsed attribute maps cost several times that plus a fixed price per record (measured by the
 * benchmark: about 2.5 KB of heap for a record of 208 bytes).
 */
export function memoryWeight(batch: {
  readonly bytes: number;
  readonly records: readonly unknown[];
}): number {
  return batch.bytes * 3 + batch.records.length * 2048;
}

export function positionOf(checkpoint: string, startingSequenceNumber?: string): ReadPosition | 'finished' {
  if (checkpoint === SHARD_END) return 'finished';
  if (checkpoint === TRIM_HORIZON) {
    // A shard that must be read whole starts at its first record: if that is trimmed, GetShardIterator says so.
    return startingSequenceNumber === undefined
      ? { type: 'TRIM_HORIZON' }
      : { type: 'AT_SEQUENCE_NUMBER', sequenceNumber: startingSequenceNumber };
  }
  if (checkpoint === LATEST) return { type: 'LATEST' };
  return { type: 'AFTER_SEQUENCE_NUMBER', sequenceNumber: checkpoint };
}

/**
 * Pure: whether the reader, at the tip of its shard, should wait for the writer before it polls again. With a
 * full page of records or more read but not yet written (the end of a backlog), anything new would only queue
 * behind them, and every empty poll in the meantime costs a stream read request and the source's CPU. Below that
 * (steady load) the reader polls as usual.
 */
export function holdAtTip(atTip: boolean, unwrittenRecords: number, pageSize: number): boolean {
  return atTip && unwrittenRecords >= pageSize;
}

export class ShardPipeline {
  readonly #deps: ShardPipelineDeps;
  readonly #buffer: SquashBuffer;
  readonly #bufferedReleases: (() => void)[] = [];
  /** Wakes the flush loop: records were read, the reader ended, a flush sent its last request or ended. */
  readonly #wake = new Wakeup();
  /** Notified each time a flush ends. */
  readonly #flushEnded = new Wakeup();
  /** The flushes being written (set while the flush loop runs). */
  #flushes: Flushes | undefined;

  constructor(deps: ShardPipelineDeps) {
    this.#deps = deps;
    // Rules need the changes squashing replaced (destination-writes.ts); any destination's rules do, and a sink
    // that asks for them (two-way replication applies each change of a key in order).
    const keepEarlier =
      deps.rules !== undefined ||
      (deps.fanOut ?? []).some((d) => d.rules !== undefined) ||
      deps.sink?.needsEarlier === true;
    this.#buffer = new SquashBuffer(deps.keyAttributes, keepEarlier);
  }

  get shardId(): string {
    return this.#deps.lease.shardId;
  }

  /**
   * Runs until the shard ends ('ended', checkpoint SHARD_END), `stop` aborts ('stopped', after a final flush and
   * checkpoint), or the lease is lost ('lost', nothing more written). `abandon` aborts the final flush of a stop.
   * Rejects with ShardStoppedError when the shard cannot go on; its checkpoint then stays before the failure.
   */
  async run(stop: AbortSignal, abandon: AbortSignal): Promise<PipelineOutcome> {
    const { lease, events } = this.#deps;
    const position = positionOf(lease.lease.checkpoint, lease.lease.startingSequenceNumber);
    if (position === 'finished') return 'ended';
    this.#deps.deadLetters?.shardStarted();
    events.emit('shard.started', { shardId: this.shardId, position: describePosition(position) });

    const failed = new AbortController();
    const readSignal = AbortSignal.any([stop, lease.lostSignal, failed.signal]);
    const writeSignal = AbortSignal.any([abandon, lease.lostSignal, failed.signal]);
    const state: { readerDone: boolean; shardEnded: boolean; readError: unknown } = {
      readerDone: false,
      shardEnded: false,
      readError: undefined,
    };

    const reading = this.#readLoop(position, readSignal, state).finally(() => {
      state.readerDone = true;
      this.#wake.notify();
    });
    let flushError: unknown;
    try {
      await this.#flushLoop(writeSignal, state);
    } catch (err) {
      flushError = err;
      failed.abort();
    }
    await reading;
    for (const release of this.#bufferedReleases.splice(0)) release();

    if (lease.isLost || flushError instanceof LeaseLostError) {
      events.emit('shard.stopped', {
        shardId: this.shardId,
        kind: 'lost',
        reason: lease.lostReason ?? 'lease lost',
      });
      return 'lost';
    }
    const failure =
      flushError !== undefined && !(flushError instanceof StoppedError) ? flushError : state.readError;
    if (failure !== undefined) {
      const error = this.#asShardError(failure);
      events.emit('shard.stopped', { shardId: this.shardId, kind: 'failed', reason: error.message });
      throw error;
    }
    if (flushError instanceof StoppedError) {
      events.emit('shard.stopped', {
        shardId: this.shardId,
        kind: 'abandoned',
        reason: 'stop timed out; the last flush was abandoned',
      });
      return 'stopped';
    }
    if (state.shardEnded) {
      try {
        await lease.checkpoint(SHARD_END);
      } catch (err) {
        // Lost between the last flush and the end mark: the next owner finds the shard read to its end (every
        // checkpoint before is in) and marks it. A lost lease ends this shard, never the worker.
        if (!(err instanceof LeaseLostError)) throw err;
        events.emit('shard.stopped', {
          shardId: this.shardId,
          kind: 'lost',
          reason: lease.lostReason ?? 'lease lost before the shard end was checkpointed',
        });
        return 'lost';
      }
      events.emit('checkpoint.moved', { shardId: this.shardId, checkpoint: SHARD_END });
      events.emit('shard.ended', { shardId: this.shardId });
      return 'ended';
    }
    events.emit('shard.stopped', {
      shardId: this.shardId,
      kind: 'stopped',
      reason: 'stopped after the final flush',
    });
    return 'stopped';
  }

  async #readLoop(
    position: ReadPosition,
    signal: AbortSignal,
    state: { shardEnded: boolean; readError: unknown },
  ): Promise<void> {
    const { reader, memory, events } = this.#deps;
    try {
      for await (const batch of reader.read(position, signal)) {
        if (batch.records.length > 0) {
          // Wait for room before holding more: this is what bounds memory when the writer is behind.
          this.#bufferedReleases.push(await memory.acquire(memoryWeight(batch), signal));
          this.#buffer.addAll(batch.records);
          this.#wake.notify();
        }
        this.#countTtlDeletes(batch.records);
        const newest = batch.records.at(-1)?.createdAtMs;
        events.emit('records.read', {
          shardId: this.shardId,
          count: batch.records.length,
          bytes: batch.bytes,
          atTip: batch.atTip,
          ...(newest === undefined ? {} : { newestCreatedAtMs: newest }),
        });
        if (batch.shardEnded) {
          state.shardEnded = true;
          return;
        }
        while (this.#holdAtTip(batch.atTip, reader.pageSize) && !signal.aborted) {
          await this.#flushEnded.wait(signal);
        }
      }
    } catch (err) {
      if (err instanceof StoppedError || signal.aborted) return;
      state.readError = err;
    }
  }

  async #flushLoop(signal: AbortSignal, state: { readerDone: boolean }): Promise<void> {
    // Checkpoints follow the flushes in the background (checkpointer.ts): a flush never waits for one, so a slow
    // lease table does not add to the lag, and a busy shard writes one checkpoint per interval, not per flush.
    // Flushes overlap (flush-chain.ts): the next starts once every request of the one before has gone out.
    const { lease, events } = this.#deps;
    const checkpoints = new Checkpointer({
      write: (position) => lease.checkpoint(position),
      minIntervalMs: this.#deps.checkpointIntervalMs,
      onMoved: (checkpoint) => events.emit('checkpoint.moved', { shardId: this.shardId, checkpoint }),
      onFailure: () => this.#wake.notify(),
    });
    const onWritten = (flush: Flush, outcome: WriteOutcome, durationMs: number): void => {
      this.#flushed(flush, outcome, durationMs);
      checkpoints.offer(flush.lastSequenceNumber);
    };
    const onChange = (): void => this.#wake.notify();
    const fanOut = this.#deps.sink === undefined ? (this.#deps.fanOut ?? []) : [];
    const flushes: Flushes =
      fanOut.length === 0
        ? new FlushChain({ write: this.#writeChanges(signal), signal, onWritten, onChange })
        : new FanOut({
            lanes: [{ writer: this.#deps.writer, rules: this.#deps.rules }, ...fanOut].map((d) => ({
              name: d.writer.tableName,
              write: this.#writeTo(d, signal),
            })),
            signal,
            onWritten,
            onChange,
            onBacklog: (destination, records) =>
              events.emit('destination.backlog', { shardId: this.shardId, destination, records }),
          });
    this.#flushes = flushes;
    let clean = false;
    try {
      for (;;) {
        checkpoints.throwIfFailed();
        flushes.throwIfFailed();
        if (!flushes.ready) {
          await this.#wake.wait();
          continue;
        }
        const flush = this.#buffer.drain();
        if (flush === undefined) {
          if (state.readerDone) break;
          await this.#wake.wait();
          continue;
        }
        const releases = this.#bufferedReleases.splice(0);
        flushes.start(flush, () => {
          for (const release of releases) release();
          this.#flushEnded.notify();
        });
      }
      await flushes.settle();
      flushes.throwIfFailed();
      clean = true;
    } finally {
      // Whatever ends the loop, no write or checkpoint may still be in flight when the pipeline reports its
      // outcome. The position of the flushes that succeeded is written unless the writes are being abandoned
      // (stop timed out, lease lost): then only the write already in flight is waited for.
      await flushes.settle();
      await checkpoints.finish(clean || !signal.aborted);
    }
    checkpoints.throwIfFailed();
  }

  /** Writes a flush's changes, through the rules when there are any, fenced by the lease. */
  #writeChanges(signal: AbortSignal): WriteChanges {
    const { writer, rules, lease, deadLetters, sink } = this.#deps;
    const beforeSend = (): Promise<number> => lease.waitWritable(this.#deps.writeRequestTimeoutMs, signal);
    if (sink !== undefined) return (changes, options) => sink.write(changes, { ...options, beforeSend });
    if (deadLetters !== undefined)
      return (changes, options) => deadLetters.write(this.shardId, changes, { ...options, beforeSend });
    return this.#writeTo({ writer, rules }, signal);
  }

  /** Writes a flush's changes to one destination, through its rules when it has any, fenced by the lease. */
  #writeTo({ writer, rules }: PipelineDestination, signal: AbortSignal): WriteChanges {
    const { lease, events } = this.#deps;
    const beforeSend = (): Promise<number> => lease.waitWritable(this.#deps.writeRequestTimeoutMs, signal);
    if (rules === undefined) return (changes, options) => writer.write(changes, { ...options, beforeSend });
    return async (changes, options) => {
      const planned = await planDestinationWrites(changes, rules);
      if (planned.filteredOut > 0) {
        events.emit('records.filtered', {
          shardId: this.shardId,
          destination: writer.tableName,
          count: planned.filteredOut,
        });
      }
      return writer.writeRequests(planned.requests, { ...options, beforeSend });
    };
  }

  #countTtlDeletes(records: readonly ChangeRecord[]): void {
    let count = 0;
    for (const record of records) if (record.ttlDelete === true) count += 1;
    if (count === 0) return;
    const action = this.#deps.rules?.ttlDeletes === 'skip' ? 'skipped' : 'replicated';
    this.#deps.events.emit('ttl.deletes', { shardId: this.shardId, count, action });
  }

  #holdAtTip(atTip: boolean, pageSize: number): boolean {
    return holdAtTip(atTip, this.#buffer.recordCount + (this.#flushes?.records ?? 0), pageSize);
  }

  #flushed(flush: Flush, outcome: WriteOutcome, durationMs: number): void {
    this.#deps.events.emit('batch.flushed', {
      shardId: this.shardId,
      records: flush.recordCount,
      puts: outcome.puts,
      deletes: outcome.deletes,
      durationMs,
      lastSequenceNumber: flush.lastSequenceNumber,
      ...(flush.newestCreatedAtMs === undefined ? {} : { newestCreatedAtMs: flush.newestCreatedAtMs }),
    });
  }

  #asShardError(err: unknown): ReplicatorError {
    if (err instanceof ShardStoppedError) return err;
    if (err instanceof WriteFailedError)
      return new ShardStoppedError(this.shardId, `shard ${this.shardId} stopped: ${err.message}`, {
        cause: err,
      });
    return new ShardStoppedError(this.shardId, `shard ${this.shardId} stopped: ${errorMessage(err)}`, {
      cause: err,
    });
  }
}
