// Writes a flush to the destination table with BatchWriteItem, several requests in flight (bounded by a
// semaphore shared by every shard of the worker). Throttling, UnprocessedItems, 5xx and network errors are
// retried with jittered backoff for as long as the flush is not aborted; validation, access and not-found
// errors fail the flush with a WriteFailedError naming the table and, for a rejected item, its key.
// `beforeSend` runs before every request (it may wait, e.g. for a lease renewal, or throw to stop the flush) so
// that a worker that lost its lease sends nothing more.
import { setMaxListeners } from 'node:events';
import type { DynamoDBClient, WriteRequest } from '@aws-sdk/client-dynamodb';
import { classifyError, type FatalReason } from '../errors/classify-error.js';
import { ReplicatorError, StoppedError, errorMessage } from '../errors/replicator-error.js';
import type { EventBus } from '../observability/events.js';
import type { ChangeRecord } from '../stream/change-record.js';
import { backoffDelay, DEFAULT_BACKOFF, type BackoffPolicy } from '../util/backoff.js';
import type { Slots } from '../util/semaphore.js';
import { sleep } from '../util/sleep.js';
import { batchWrite } from './cached-send.js';
import { RequestDeadlines } from './request-deadlines.js';
import { batchesOf, toWriteRequest } from './write-plan.js';

export class WriteFailedError extends ReplicatorError {
  override readonly name = 'WriteFailedError';
  constructor(
    readonly reason: FatalReason | 'programmer',
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

export interface WriteOutcome {
  readonly puts: number;
  readonly deletes: number;
  readonly requests: number;
  readonly retries: number;
}

/** A single write the destination refused for good (a validation error), with the error's one line. */
export interface RefusedWrite {
  readonly request: WriteRequest;
  readonly error: WriteFailedError;
}

export interface TableWriterDeps {
  readonly client: DynamoDBClient;
  readonly tableName: string;
  /** The table's key attributes, to name the key of a rejected item. */
  readonly keyAttributes: readonly string[];
  readonly requestSlots: Slots;
  readonly events: EventBus;
  readonly requestTimeoutMs: number;
  readonly backoff?: BackoffPolicy;
}

export interface WriteOptions {
  readonly signal: AbortSignal;
  /**
   * The lease check before every request: may wait (for a renewal), throws to stop the flush, and resolves with
   * the moment (performance.now()) its check passed, from which the request's deadline then counts.
   */
  readonly beforeSend?: () => Promise<number> | number;
  /**
   * Called once, when the first request of every batch has gone out: from then on the write only waits for
   * answers and retries, and the request slots it leaves free are the next flush's to fill.
   */
  readonly onAllSent?: () => void;
  /**
   * Dead-letter mode: a write the destination refuses with a validation error (isolated by bisection) is added
   * here instead of failing the write; every other error still fails it.
   */
  readonly refused?: RefusedWrite[];
}

/** What every batch of one flush shares. */
interface FlushScope {
  readonly signal: AbortSignal;
  readonly deadlines: RequestDeadlines;
  readonly beforeSend: WriteOptions['beforeSend'];
  readonly refused: RefusedWrite[] | undefined;
}

export class TableWriter {
  readonly #deps: TableWriterDeps;

  constructor(deps: TableWriterDeps) {
    this.#deps = deps;
  }

  get tableName(): string {
    return this.#deps.tableName;
  }

  async write(changes: readonly ChangeRecord[], options: WriteOptions): Promise<WriteOutcome> {
    return this.writeRequests(changes.map(toWriteRequest), options);
  }

  /** Writes puts and deletes at most one per key (what rules planned for this destination). */
  async writeRequests(writes: readonly WriteRequest[], options: WriteOptions): Promise<WriteOutcome> {
    const stats = { puts: 0, deletes: 0, requests: 0, retries: 0 };
    for (const write of writes) {
      if (write.PutRequest === undefined) stats.deletes += 1;
      else stats.puts += 1;
    }
    // One failed batch stops its siblings: no point writing on when the flush cannot be checkpointed.
    const failFast = new AbortController();
    const signal = AbortSignal.any([options.signal, failFast.signal]);
    // Every batch waiting for a request slot or a backoff listens to this one signal.
    setMaxListeners(0, signal);
    const deadlines = new RequestDeadlines(signal);
    const batches = batchesOf(writes);
    let unsent = batches.length;
    const onAllSent = options.onAllSent;
    // Rules may leave nothing to write: the flush has then sent all it will.
    if (unsent === 0) onAllSent?.();
    const firstSent =
      onAllSent === undefined
        ? undefined
        : (): void => {
            unsent -= 1;
            if (unsent === 0) onAllSent();
          };
    const results = await Promise.allSettled(
      batches.map(async (batch) => {
        try {
          await this.#writeBatch(
            batch,
            { signal, deadlines, beforeSend: options.beforeSend, refused: options.refused },
            stats,
            firstSent,
          );
        } catch (err) {
          failFast.abort();
          throw err;
        }
      }),
    ).finally(() => deadlines.close());
    const failures = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as Error] : []));
    const real = failures.find((err) => !(err instanceof StoppedError)) ?? failures[0];
    if (real !== undefined) throw real;
    return stats;
  }

  async #writeBatch(
    batch: WriteRequest[],
    flush: FlushScope,
    stats: { requests: number; retries: number },
    firstSent?: () => void,
  ): Promise<void> {
    const { client, tableName, requestSlots, events, requestTimeoutMs } = this.#deps;
    const { signal, deadlines, beforeSend } = flush;
    let pending = batch;
    for (let attempt = 0; pending.length > 0;) {
      if (signal.aborted) throw new StoppedError();
      let retryReason: string;
      let retryError: string | undefined;
      // Waited for before taking a request slot, so a shard that waits cannot hold the others up; checked
      // again once the slot is ours, right before the request goes out.
      await beforeSend?.();
      const release = await requestSlots.acquire(1, signal);
      try {
        const checkedAt = await beforeSend?.();
        stats.requests += 1;
        firstSent?.();
        firstSent = undefined;
        const out = await deadlines.run(
          requestTimeoutMs,
          (abortSignal) => batchWrite(client, { RequestItems: { [tableName]: pending } }, abortSignal),
          checkedAt,
        );
        const unprocessed = out.UnprocessedItems?.[tableName] ?? [];
        if (unprocessed.length === 0) return;
        retryReason = 'unprocessed';
        pending = unprocessed;
      } catch (err) {
        if (err instanceof StoppedError || err instanceof ReplicatorError) throw err;
        const verdict = classifyError(err);
        if (verdict.kind === 'fatal' && verdict.reason === 'validation' && pending.length > 1) {
          // Find the one rejected write so the error can name its key; the others are written meanwhile.
          const half = Math.ceil(pending.length / 2);
          release();
          await this.#writeBatch(pending.slice(0, half), flush, stats);
          await this.#writeBatch(pending.slice(half), flush, stats);
          return;
        }
        if (verdict.kind === 'fatal' && verdict.reason === 'validation' && flush.refused !== undefined) {
          const request = pending[0];
          if (request !== undefined) {
            flush.refused.push({ request, error: this.#fatal(err, 'validation', pending) });
            return;
          }
        }
        if (verdict.kind !== 'retriable') {
          throw this.#fatal(err, verdict.kind === 'fatal' ? verdict.reason : 'programmer', pending);
        }
        retryReason = verdict.reason;
        retryError = errorMessage(err);
      } finally {
        release();
      }
      const delayMs = backoffDelay(attempt++, this.#deps.backoff ?? DEFAULT_BACKOFF);
      stats.retries += 1;
      events.emit('write.retried', {
        table: tableName,
        reason: retryReason,
        attempt,
        items: pending.length,
        delayMs,
        ...(retryError === undefined ? {} : { error: retryError }),
      });
      await sleep(delayMs, signal);
    }
  }

  #fatal(err: unknown, reason: FatalReason | 'programmer', pending: WriteRequest[]): WriteFailedError {
    const table = this.#deps.tableName;
    const detail = errorMessage(err);
    const name = (err as { name?: string }).name ?? 'Error';
    const onlyKey = pending.length === 1 ? describeWrite(pending[0], this.#deps.keyAttributes) : undefined;
    const what = onlyKey === undefined ? `a batch of ${pending.length} writes` : onlyKey;
    const advice: Record<FatalReason | 'programmer', string> = {
      'not-found': `check that destination table ${table} exists in the destination region and endpoint`,
      'access-denied': `grant dynamodb:BatchWriteItem on table ${table} to the destination credentials`,
      credentials: 'check the destination credentials (profile, keys, session token)',
      validation: 'the destination rejected the item: compare its key schema and item limits with the source',
      other: 'see the error above',
      programmer: 'this is a bug in ddb-replicator: please report it with this log',
    };
    return new WriteFailedError(
      reason,
      `writing ${what} to destination table ${table} failed with ${name}: ${detail} (${advice[reason]})`,
      { cause: err },
    );
  }
}

function describeWrite(
  request: WriteRequest | undefined,
  keyAttributes: readonly string[],
): string | undefined {
  const deleteKey = request?.DeleteRequest?.Key;
  if (deleteKey !== undefined) return `the delete of key ${JSON.stringify(deleteKey)}`;
  const item = request?.PutRequest?.Item;
  if (item === undefined) return undefined;
  const key = Object.fromEntries(keyAttributes.map((name) => [name, item[name]]));
  return `the put of key ${JSON.stringify(key)}`;
}
