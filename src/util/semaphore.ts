// A counting semaphore with weighted permits: bounds requests in flight (weight 1) and buffered bytes
// (weight = size). Waiters are served in order; a waiter larger than the whole budget is let through alone
// so that one huge batch cannot block forever.
import { StoppedError } from '../errors/replicator-error.js';

interface Waiter {
  readonly weight: number;
  readonly resolve: () => void;
}

/** Permits to take before doing something bounded: a Semaphore, or nested ones (NestedSlots). */
export interface Slots {
  /** Resolves with a release function once `weight` fits; rejects with StoppedError when `signal` aborts. */
  acquire(weight?: number, signal?: AbortSignal): Promise<() => void>;
}

export class Semaphore implements Slots {
  readonly #capacity: number;
  #used = 0;
  readonly #waiters: Waiter[] = [];

  constructor(capacity: number) {
    if (!(capacity > 0)) throw new RangeError(`semaphore capacity must be positive, got ${capacity}`);
    this.#capacity = capacity;
  }

  get used(): number {
    return this.#used;
  }

  get capacity(): number {
    return this.#capacity;
  }

  /** Resolves with a release function once `weight` fits; rejects with StoppedError when `signal` aborts. */
  async acquire(weight = 1, signal?: AbortSignal): Promise<() => void> {
    if (signal?.aborted === true) throw new StoppedError();
    if (this.#waiters.length === 0 && this.#fits(weight)) {
      this.#used += weight;
      return this.#releaser(weight);
    }
    await new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        weight,
        resolve: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      const onAbort = (): void => {
        const index = this.#waiters.indexOf(waiter);
        if (index >= 0) this.#waiters.splice(index, 1);
        reject(new StoppedError());
        this.#drain();
      };
      this.#waiters.push(waiter);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
    return this.#releaser(weight);
  }

  async run<T>(task: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    const release = await this.acquire(1, signal);
    try {
      return await task();
    } finally {
      release();
    }
  }

  #fits(weight: number): boolean {
    return this.#used + weight <= this.#capacity || this.#used === 0;
  }

  #releaser(weight: number): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#used -= weight;
      this.#drain();
    };
  }

  #drain(): void {
    while (this.#waiters.length > 0) {
      const next = this.#waiters[0];
      if (next === undefined || !this.#fits(next.weight)) return;
      this.#waiters.shift();
      this.#used += next.weight;
      next.resolve();
    }
  }
}

/**
 * A part's own limit inside a shared one (a task's write slots within the process's): the part's permit first,
 * then the shared one. A part waits in the shared queue with at most its own limit's worth of requests, so the
 * FIFO of the shared semaphore serves every part in turn: one busy part cannot starve the others.
 */
export class NestedSlots implements Slots {
  readonly #own: Slots;
  readonly #shared: Slots;

  constructor(own: Slots, shared: Slots) {
    this.#own = own;
    this.#shared = shared;
  }

  async acquire(weight = 1, signal?: AbortSignal): Promise<() => void> {
    const releaseOwn = await this.#own.acquire(weight, signal);
    try {
      const releaseShared = await this.#shared.acquire(weight, signal);
      return () => {
        releaseShared();
        releaseOwn();
      };
    } catch (err) {
      releaseOwn();
      throw err;
    }
  }
}
