// One lane of the stand-in event source mapping (lambda-mapping.ts): a shard's records, or the share of them a
// parallelization factor sends here, handed to the function one batch at a time, in order, with Lambda's
// documented handling of what the function answers: success, a partial failure (checkpoint at the lowest
// reported record), a whole-batch failure, or a function error (thrown or timed out), which bisection splits in
// halves before it counts as a retry; records past the retry limit or the maximum age are discarded, and the lane
// goes on.
import type { BatchResponse, LambdaContext } from '../../src/lambda/handler.js';
import type { LambdaStreamRecord } from '../../src/lambda/lambda-record.js';
import { sleep } from '../../src/util/sleep.js';

/** The function the mapping invokes: the real handler, or a wrapper of it that fails as a test needs. */
export type FunctionUnderTest = (
  event: { readonly Records: readonly LambdaStreamRecord[] },
  context: LambdaContext,
) => Promise<BatchResponse | null | undefined>;

export interface Invocation {
  readonly lane: string;
  readonly size: number;
  readonly first: string;
  readonly last: string;
  /** performance.now() at the call, and how long until it answered (or timed out). */
  readonly startedAt: number;
  readonly ms: number;
  /**
   * success: no failure reported; partial: a checkpoint at `reported`; failed: the whole batch (no valid
   * identifier, or the batch's first record reported); error: thrown; timeout: no answer within the timeout.
   */
  readonly outcome: 'success' | 'partial' | 'failed' | 'error' | 'timeout';
  readonly reported?: string;
  readonly error?: string;
  /** The records of this batch end where a bisection set its size. */
  readonly bounded: boolean;
}

/** Records the mapping gave up on: what Lambda sends to the on-failure destination. */
export interface Discarded {
  readonly lane: string;
  readonly reason: 'retries' | 'age';
  readonly records: readonly LambdaStreamRecord[];
}

export interface LaneSettings {
  readonly batchSize: number;
  readonly bisect: boolean;
  readonly maximumRetryAttempts: number;
  readonly maximumRecordAgeSeconds: number;
  readonly functionTimeoutMs: number;
  readonly now: () => number;
  readonly handler: FunctionUnderTest;
  readonly invocations: Invocation[];
  readonly discarded: Discarded[];
  readonly signal: AbortSignal;
}

/** Pause before a failed batch is tried again (Lambda's own backoff is not documented). */
const RETRY_DELAY_MS = 100;

type Answer =
  | { readonly kind: 'success' }
  | { readonly kind: 'partial'; readonly at: number }
  | { readonly kind: 'failed' | 'error' | 'timeout'; readonly error?: string };

let requests = 0;

export class Lane {
  readonly name: string;
  readonly #settings: LaneSettings;
  #pending: LambdaStreamRecord[] = [];
  /** Sizes of the batches a bisection left to do, the next first; empty: batches of up to batchSize. */
  #bounds: number[] = [];
  #retries = 0;
  #closed = false;
  #busy = false;
  #wake: (() => void) | undefined;

  constructor(name: string, settings: LaneSettings) {
    this.name = name;
    this.#settings = settings;
  }

  get buffered(): number {
    return this.#pending.length;
  }

  get idle(): boolean {
    return this.#pending.length === 0 && !this.#busy;
  }

  push(record: LambdaStreamRecord): void {
    this.#pending.push(record);
    this.#wake?.();
  }

  /** No more records will come (a closed shard, or the mapping stopping). */
  close(): void {
    this.#closed = true;
    this.#wake?.();
  }

  async run(): Promise<void> {
    const { signal } = this.#settings;
    while (!signal.aborted) {
      if (this.#pending.length === 0) {
        if (this.#closed) return;
        await this.#nextPush(signal);
        continue;
      }
      this.#busy = true;
      try {
        await this.#step();
      } finally {
        this.#busy = false;
      }
    }
  }

  #nextPush(signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        signal.removeEventListener('abort', done);
        this.#wake = undefined;
        resolve();
      };
      this.#wake = done;
      signal.addEventListener('abort', done);
    });
  }

  async #step(): Promise<void> {
    const { batchSize, bisect, maximumRetryAttempts } = this.#settings;
    this.#discardExpired();
    if (this.#pending.length === 0) return;
    const bounded = this.#bounds.length > 0;
    const size = Math.min(this.#bounds[0] ?? batchSize, this.#pending.length);
    const batch = this.#pending.slice(0, size);
    const answer = await this.#invoke(batch, bounded);
    if (answer.kind === 'success') {
      this.#done(size);
      return;
    }
    if (answer.kind === 'partial' && answer.at > 0) {
      // The records before the checkpoint are done. With bisection on, Lambda splits there and retries only the
      // rest of this batch; without it, the next batch starts at the checkpoint and may take newer records.
      this.#pending.splice(0, answer.at);
      this.#retries = 0;
      if (bisect || bounded) this.#bounds.splice(0, bounded ? 1 : 0, size - answer.at);
      return;
    }
    if ((answer.kind === 'error' || answer.kind === 'timeout') && bisect && size > 1) {
      // A split does not count as a retry.
      const half = Math.ceil(size / 2);
      this.#bounds.splice(0, bounded ? 1 : 0, half, size - half);
      return;
    }
    this.#retries += 1;
    if (maximumRetryAttempts >= 0 && this.#retries > maximumRetryAttempts) {
      this.#settings.discarded.push({ lane: this.name, reason: 'retries', records: batch });
      this.#done(size);
      return;
    }
    await sleep(RETRY_DELAY_MS, this.#settings.signal).catch(() => undefined);
  }

  /** The first `size` records are handled (written or discarded): the checkpoint moves past them. */
  #done(size: number): void {
    this.#pending.splice(0, size);
    this.#bounds.shift();
    this.#retries = 0;
  }

  /** Records older than the maximum age are not sent again (records are in order: the old ones lead). */
  #discardExpired(): void {
    const { maximumRecordAgeSeconds, now } = this.#settings;
    if (maximumRecordAgeSeconds < 0) return;
    const oldest = now() - maximumRecordAgeSeconds * 1000;
    let count = 0;
    for (const record of this.#pending) {
      const created = record.dynamodb?.ApproximateCreationDateTime;
      if (created === undefined || created * 1000 >= oldest) break;
      count += 1;
    }
    if (count === 0) return;
    this.#settings.discarded.push({
      lane: this.name,
      reason: 'age',
      records: this.#pending.splice(0, count),
    });
    this.#retries = 0;
    // A bisection's batches shrink by what left their front.
    let left = count;
    while (left > 0 && this.#bounds.length > 0) {
      const first = this.#bounds[0] ?? 0;
      if (first > left) {
        this.#bounds[0] = first - left;
        break;
      }
      left -= first;
      this.#bounds.shift();
    }
  }

  async #invoke(batch: readonly LambdaStreamRecord[], bounded: boolean): Promise<Answer> {
    const { handler, functionTimeoutMs } = this.#settings;
    const startedAt = performance.now();
    const deadline = startedAt + functionTimeoutMs;
    requests += 1;
    const context: LambdaContext = {
      // Whole milliseconds, as Lambda's Node.js runtime gives them (deadline - Date.now()).
      getRemainingTimeInMillis: () => Math.max(0, Math.floor(deadline - performance.now())),
      awsRequestId: `stand-in-${requests}`,
    };
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<Answer>((resolve) => {
      timer = setTimeout(
        () => resolve({ kind: 'timeout', error: `timed out after ${functionTimeoutMs} ms` }),
        functionTimeoutMs,
      );
    });
    let answer: Answer;
    try {
      // A timed-out call is abandoned, not stopped: Lambda would end its execution environment.
      answer = await Promise.race([
        handler({ Records: batch }, context).then(
          (response) => classify(response, batch),
          (err: unknown): Answer => ({
            kind: 'error',
            error: err instanceof Error ? err.message : String(err),
          }),
        ),
        timedOut,
      ]);
    } finally {
      clearTimeout(timer);
    }
    this.#settings.invocations.push({
      lane: this.name,
      size: batch.length,
      first: batch[0]?.dynamodb?.SequenceNumber ?? '',
      last: batch.at(-1)?.dynamodb?.SequenceNumber ?? '',
      startedAt,
      ms: performance.now() - startedAt,
      outcome: answer.kind === 'partial' && answer.at === 0 ? 'failed' : answer.kind,
      ...(answer.kind === 'partial' ? { reported: batch[answer.at]?.dynamodb?.SequenceNumber } : {}),
      ...('error' in answer && answer.error !== undefined ? { error: answer.error } : {}),
      bounded,
    });
    return answer;
  }
}

/**
 * What Lambda makes of a response (AWS: "Configuring partial batch response with DynamoDB and Lambda"): no
 * response or no failures is success; a failure without a usable identifier fails the whole batch; otherwise
 * the lowest reported record is the checkpoint.
 */
export function classify(
  response: BatchResponse | null | undefined,
  batch: readonly LambdaStreamRecord[],
): Answer {
  const failures: unknown = response?.batchItemFailures;
  if (failures === undefined || failures === null) return { kind: 'success' };
  if (!Array.isArray(failures)) return { kind: 'failed', error: 'batchItemFailures is not a list' };
  if (failures.length === 0) return { kind: 'success' };
  let at = batch.length;
  for (const failure of failures as unknown[]) {
    const id = (failure as { itemIdentifier?: unknown } | null)?.itemIdentifier;
    const index =
      typeof id === 'string' && id !== '' ? batch.findIndex((r) => r.dynamodb?.SequenceNumber === id) : -1;
    if (index < 0)
      return { kind: 'failed', error: `itemIdentifier ${JSON.stringify(id)} is not in the batch` };
    at = Math.min(at, index);
  }
  return { kind: 'partial', at };
}
