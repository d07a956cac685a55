// Retries an operation while its errors are of the retriable kinds asked for, with jittered backoff, until it
// succeeds, the deadline passes (then the last error is thrown) or the signal aborts (StoppedError).
import { classifyError, type RetriableReason } from '../errors/classify-error.js';
import { StoppedError } from '../errors/replicator-error.js';
import { backoffDelay, DEFAULT_BACKOFF, type BackoffPolicy } from './backoff.js';
import { sleep } from './sleep.js';

export type RetryReason = RetriableReason;

export interface RetryOptions {
  readonly signal?: AbortSignal | undefined;
  /** Give up after this long (ms); no limit when undefined. */
  readonly deadlineMs?: number;
  /** The retriable kinds to retry; all when undefined. */
  readonly reasons?: readonly RetryReason[];
  readonly backoff?: BackoffPolicy;
  readonly onRetry?: (reason: RetryReason, attempt: number, err: unknown) => void;
}

export async function retrying<T>(operation: () => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const started = performance.now();
  for (let attempt = 0; ; attempt++) {
    if (aborted(options.signal)) throw new StoppedError();
    try {
      return await operation();
    } catch (err) {
      if (aborted(options.signal)) throw new StoppedError();
      const verdict = classifyError(err);
      if (verdict.kind !== 'retriable') throw err;
      if (options.reasons !== undefined && !options.reasons.includes(verdict.reason)) throw err;
      const delay = backoffDelay(attempt, options.backoff ?? DEFAULT_BACKOFF);
      if (options.deadlineMs !== undefined && performance.now() + delay - started > options.deadlineMs)
        throw err;
      options.onRetry?.(verdict.reason, attempt + 1, err);
      await sleep(delay, options.signal);
    }
  }
}

// A function, not an inline test: the compiler would narrow `signal.aborted` across the await.
function aborted(signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true;
}
