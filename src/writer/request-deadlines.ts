// Every write request of a flush gets its own deadline (the lease fencing bound: a write must not outlive the
// lease it was sent under) and is aborted with its flush. One controller and one timer per request, and a single
// listener on the flush's signal for all of them: building AbortSignal.any(flush, AbortSignal.timeout(...)) per
// request, as before, cost measurable CPU on Node 20 at thousands of requests a second.
import { StoppedError } from '../errors/replicator-error.js';

export class RequestDeadlines {
  readonly #flush: AbortSignal;
  readonly #inFlight = new Set<AbortController>();
  readonly #abortAll = (): void => {
    for (const request of this.#inFlight) request.abort();
  };

  constructor(flush: AbortSignal) {
    this.#flush = flush;
    flush.addEventListener('abort', this.#abortAll, { once: true });
  }

  /**
   * Runs `send` with a signal that aborts after `timeoutMs` or when the flush aborts. Rejects with StoppedError
   * when the flush aborted, and with an ETIMEDOUT error (a network problem, retried) when the deadline passed.
   */
  async run<T>(timeoutMs: number, send: (signal: AbortSignal) => Promise<T>): Promise<T> {
    if (this.#flush.aborted) throw new StoppedError();
    const request = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      request.abort();
    }, timeoutMs);
    this.#inFlight.add(request);
    try {
      return await send(request.signal);
    } catch (err) {
      if (this.#flush.aborted) throw new StoppedError();
      throw timedOut ? Object.assign(new Error('request timed out'), { code: 'ETIMEDOUT' }) : err;
    } finally {
      clearTimeout(timer);
      this.#inFlight.delete(request);
    }
  }

  /** Requests still running. */
  get inFlight(): number {
    return this.#inFlight.size;
  }

  /** Stops listening to the flush's signal; the flush is over. */
  close(): void {
    this.#flush.removeEventListener('abort', this.#abortAll);
  }
}
