// Reads one shard in sequence order, as an async stream of batches the pipeline pulls at its own pace (so a
// slow writer holds the reader back). Keeps the iterator alive: an expired iterator is renewed after the last
// record handed out; throttling and network errors are retried with backoff. Never skips: trimmed data or a
// vanished shard ends the read with a DataLossError that names the shard and the position.
import type { Logger } from 'pino';
import { DataLossError, ShardStoppedError, StoppedError, errorMessage } from '../errors/replicator-error.js';
import { classifyError } from '../errors/classify-error.js';
import type { EventBus } from '../observability/events.js';
import { backoffDelay, DEFAULT_BACKOFF, type BackoffPolicy } from '../util/backoff.js';
import { sleep } from '../util/sleep.js';
import { toChangeRecord, type ChangeRecord } from './change-record.js';
import { nextEmptyReads, readIntervalMs } from './poll-pace.js';
import { describePosition, type ReadPosition } from './shard-info.js';
import type { StreamApi } from './stream-api.js';

export interface ReadBatch {
  readonly records: readonly ChangeRecord[];
  readonly bytes: number;
  /** The last GetRecords found nothing new: the reader is at the newest record of the shard. */
  readonly atTip: boolean;
  /** The shard is closed and every record of it has been handed out. */
  readonly shardEnded: boolean;
}

/** Records of a GetRecords page past which it may have been cut by the 1 MB response limit (sizes are estimates). */
const NEAR_PAGE_LIMIT_BYTES = 512 * 1024;

/** Pure: a page that may have more records right behind it. */
export function fullPage(records: number, bytes: number, batchSize: number): boolean {
  return records >= batchSize || bytes >= NEAR_PAGE_LIMIT_BYTES;
}

export interface ShardReaderDeps {
  readonly api: StreamApi;
  readonly streamArn: string;
  readonly shardId: string;
  readonly batchSize: number;
  readonly pollIntervalMs: number;
  /** The longest wait between reads of a quiet shard (poll-pace.ts); undefined: pollIntervalMs, no back-off. */
  readonly maxPollIntervalMs?: number | undefined;
  readonly events: EventBus;
  readonly logger: Logger;
  readonly backoff?: BackoffPolicy;
  /** Keep each record's old image (rules read it). */
  readonly withOldImages?: boolean;
}

export class ShardReader {
  readonly #deps: ShardReaderDeps;

  constructor(deps: ShardReaderDeps) {
    this.#deps = deps;
  }

  /** The GetRecords limit: records a full page holds. */
  get pageSize(): number {
    return this.#deps.batchSize;
  }

  async *read(start: ReadPosition, signal: AbortSignal): AsyncGenerator<ReadBatch, void, undefined> {
    const { api, shardId, batchSize, pollIntervalMs, events } = this.#deps;
    // Where to resume if the iterator expires: just after the last record handed out.
    let resumeFrom: ReadPosition = start;
    let iterator: string | undefined = await this.#iteratorFor(resumeFrom, signal);
    let attempt = 0;
    let horizonRetries = 0;
    let emptyReads = 0;
    const pace = { pollIntervalMs, maxPollIntervalMs: this.#deps.maxPollIntervalMs ?? pollIntervalMs };
    while (iterator !== undefined && !signal.aborted) {
      let page: Awaited<ReturnType<StreamApi['getRecords']>>;
      const calledAt = performance.now();
      try {
        page = await api.getRecords(iterator, batchSize, signal);
        attempt = 0;
      } catch (err) {
        if (signal.aborted) return;
        const verdict = classifyError(err);
        if (verdict.kind === 'expired-iterator') {
          events.emit('iterator.renewed', { shardId, position: describePosition(resumeFrom) });
          iterator = await this.#iteratorFor(resumeFrom, signal);
          continue;
        }
        if (verdict.kind === 'retriable') {
          const delayMs = backoffDelay(attempt++, this.#deps.backoff ?? DEFAULT_BACKOFF);
          events.emit('read.retried', {
            shardId,
            reason: verdict.reason,
            attempt,
            delayMs,
            error: errorMessage(err),
          });
          await sleep(delayMs, signal);
          continue;
        }
        if (verdict.kind === 'trimmed' && resumeFrom.type === 'TRIM_HORIZON' && horizonRetries < 3) {
          // Nothing read yet and asked for "the oldest record kept": if the oldest moved meanwhile, that is still
          // what was asked for, no gap. (DynamoDB Local also says this for an iterator taken on an empty shard.)
          horizonRetries += 1;
          iterator = await this.#iteratorFor(resumeFrom, signal);
          continue;
        }
        throw this.#stopError(err, verdict.kind, resumeFrom);
      }
      const withOld = this.#deps.withOldImages === true;
      const records = page.records.map((record) => toChangeRecord(record, withOld));
      let bytes = 0;
      for (const record of records) bytes += record.sizeBytes;
      const last = records.at(-1);
      if (last !== undefined) {
        resumeFrom = { type: 'AFTER_SEQUENCE_NUMBER', sequenceNumber: last.sequenceNumber };
      }
      const shardEnded = page.nextIterator === undefined;
      yield { records, bytes, atTip: records.length === 0, shardEnded };
      if (shardEnded) return;
      iterator = page.nextIterator;
      // A full page (the batch size, or close to GetRecords' 1 MB) suggests more records waiting: read on at once.
      // A page with records: the shard is busy, read again after a short floor; an empty one: the reader is at the
      // tip, and a shard that stays quiet is asked less and less often (poll-pace.ts). The interval runs from the
      // start of the call, not its end: a shard is asked at most once per interval, and a change made just after
      // a call waits one interval, not one plus a round trip.
      const read = { records: records.length, full: fullPage(records.length, bytes, batchSize) };
      emptyReads = nextEmptyReads(emptyReads, read);
      const intervalMs = readIntervalMs(pace, read, emptyReads);
      if (intervalMs > 0) await sleep(calledAt + intervalMs - performance.now(), signal);
    }
    if (iterator === undefined && !signal.aborted) {
      // GetShardIterator on a closed shard whose records were all read before returns no iterator.
      yield { records: [], bytes: 0, atTip: true, shardEnded: true };
    }
  }

  async #iteratorFor(start: ReadPosition, signal: AbortSignal): Promise<string | undefined> {
    const { api, streamArn, shardId } = this.#deps;
    let position = start;
    for (let attempt = 0; ; attempt++) {
      if (signal.aborted) throw new StoppedError();
      try {
        return await api.getShardIterator(streamArn, shardId, position, signal);
      } catch (err) {
        if (signal.aborted) throw new StoppedError();
        const verdict = classifyError(err);
        if (
          position.type === 'AT_SEQUENCE_NUMBER' &&
          verdict.kind === 'fatal' &&
          verdict.reason === 'validation'
        ) {
          // The stream does not know the shard's first sequence number as a record: read from its oldest one.
          this.#deps.logger.warn(
            { shardId, sequenceNumber: position.sequenceNumber, err: errorMessage(err) },
            'cannot start at the first sequence number of the shard; reading from its oldest record',
          );
          position = { type: 'TRIM_HORIZON' };
          continue;
        }
        if (verdict.kind !== 'retriable') throw this.#stopError(err, verdict.kind, position);
        const delayMs = backoffDelay(attempt, this.#deps.backoff ?? DEFAULT_BACKOFF);
        this.#deps.events.emit('read.retried', {
          shardId,
          reason: verdict.reason,
          attempt: attempt + 1,
          delayMs,
          error: errorMessage(err),
        });
        await sleep(delayMs, signal);
      }
    }
  }

  #stopError(err: unknown, kind: string, position: ReadPosition): Error {
    const { shardId } = this.#deps;
    const where = describePosition(position);
    if (kind === 'trimmed') {
      return new DataLossError(
        shardId,
        `data lost: records of shard ${shardId} ${where} were trimmed from the stream (older than its 24-hour retention) before they were replicated; repair the destination (e.g. a fresh copy) and restart with a new task name`,
        { cause: err },
      );
    }
    if (kind === 'fatal' && (err as { name?: string }).name === 'ResourceNotFoundException') {
      return new DataLossError(
        shardId,
        `data lost: shard ${shardId} is gone from the stream (trimmed after 24 hours, or the stream was replaced) while its checkpoint is ${where}; repair the destination and restart with a new task name`,
        { cause: err },
      );
    }
    if (kind === 'programmer') return err instanceof Error ? err : new Error(String(err));
    return new ShardStoppedError(shardId, `reading shard ${shardId} failed: ${errorMessage(err)}`, {
      cause: err,
    });
  }
}
