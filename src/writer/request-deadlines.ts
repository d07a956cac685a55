// Every write request of a flush gets its own deadline (the lease fencing bound: a write must not outlive the
// lease it was sent under) and is aborted with its flush. One controller and one timer per request, and a single
// listener on the flush's signal for all of them: building AbortSignal.any(flush, AbortSignal.timeout(...)) per
// request, as before, cost measurable CPU on Node 20 at thousands of requests a second.
import { StoppedError } from '../errors/replicator-error.js';

/** When each request's deadline passes (performance.now()), by the signal its request runs under. */
const deadlines = new WeakMap<AbortSignal, number>();

/**
 * True when `signal` belongs to a request whose deadline has passed, whether or not its timer has fired yet.
 * A process frozen (SIGSTOP, a long GC pause, a suspended VM) between the lease check and the socket write
 * resumes with its timers overdue, and the rest of the request pipeline runs before they fire: the HTTP handler
 * asks this right before the request goes on the wire (FencedHttpHandler), so a late request is never sent.
 */
export function deadlinePassed(signal: AbortSignal | undefined): boolean {
  if (signal === undefined) return false;
  const deadline = deadlines.get(signal);
  return deadline !== undefined && performance.now() >= deadline;
}

/** The error of a request stopped by its deadline: a timeout, retried like one. */
export function deadlineError(): Error {
  return Object.assign(new Error('request timed out'), { code: 'ETIMEDOUT' });
}

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
   * Runs `send` with a signal that aborts `timeoutMs` after `from` (performance.now(); default: now) or when
   * the flush aborts. Rejects with StoppedError when the flush aborted, and with an ETIMEDOUT error (a network
   * problem, retried) when the deadline passed.
   */
  async run<T>(
    timeoutMs: number,
    send: (signal: AbortSignal) => Promise<T>,
    from = performance.now(),
  ): Promise<T> {
    if (this.#flush.aborted) throw new StoppedError();
    const request = new AbortController();
    const deadline = from + timeoutMs;
    deadlines.set(request.signal, deadline);
    let timedOut = false;
    const timer = setTimeout(
      () => {
        timedOut = true;
        request.abort();
      },
      Math.max(0, deadline - performance.now()),
    );
    this.#inFlight.add(request);
    try {
      return await send(request.signal);
    } catch (err) {
      if (this.#flush.aborted) throw new StoppedError();
      throw timedOut || deadlinePassed(request.signal) ? deadlineError() : err;
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
