// Overlaps one shard's flushes so that the destination's request slots stay full. A flush used to begin only
// once the one before had ended, so each flush ended on a tail of its last few requests with the other slots
// idle: the benchmark's first catch-up flushes (1,000-2,000 records, two rounds of requests) wrote at about
// half the rate of the later ones. Now the next flush starts as soon as every request of the one before has gone
// out, or every one it can send before the flushes ahead of it end (it is parked). What keeps the invariants:
// - per-key order (1): a change to a key that a flush still in flight also writes waits until the flushes before
//   it have ended (flush-overlap.ts);
// - checkpoints (2): a flush is reported written only once every flush before it was, in order, so a checkpoint
//   offered from onWritten never passes an unwritten record;
// - memory (6): at most MAX_FLUSHES_IN_FLIGHT flushes are in flight, and their records stay counted against the
//   reader's budget.
// Parked flushes: two-way replication's own writes come back on the stream it reads (the stamp of each app write
// is an echo in the next flush), so nearly every flush there had keys of the one before and, as long as two were
// the most in flight, the flushes went one at a time; an app write read meanwhile waited in the buffer for a
// whole flush (docs/benchmarks.md, stage twoway at 50 writes/s). A parked flush does not count against the
// flushes writing at once.
// A failed flush stops the flushes after it (they cannot be checkpointed) but not the one before, whose
// checkpoint may still move.
import type { Flush } from '../buffer/squash-buffer.js';
import { splitByOverlap } from '../buffer/flush-overlap.js';
import { StoppedError } from '../errors/replicator-error.js';
import type { ChangeRecord } from '../stream/change-record.js';
import type { WriteOutcome } from './table-writer.js';

/** Flushes writing at once that are not parked: a new flush starts only below this many. */
export const MAX_FLUSHES_WRITING = 2;
/** Flushes in flight, parked ones included. */
export const MAX_FLUSHES_IN_FLIGHT = 4;

export type WriteChanges = (
  changes: readonly ChangeRecord[],
  options: { readonly signal: AbortSignal; readonly onAllSent: () => void },
) => Promise<WriteOutcome>;

export interface FlushChainDeps {
  readonly write: WriteChanges;
  /** Aborts every flush (stop timed out, lease lost). */
  readonly signal: AbortSignal;
  /** A flush and every flush before it were written; called in flush order. */
  readonly onWritten: (flush: Flush, outcome: WriteOutcome, durationMs: number) => void;
  /** A flush has sent all its requests, or has ended: the owner may start the next one, or see a failure. */
  readonly onChange: () => void;
}

interface Running {
  readonly flush: Flush;
  readonly abort: AbortController;
  allSent: boolean;
  /** Every change it may send now has gone out, and the rest wait for the flushes before it to end. */
  parked: boolean;
  /** Resolves true once written (after the flushes before it), false when it failed. Never rejects. */
  ended: Promise<boolean>;
}

const NOTHING: WriteOutcome = { puts: 0, deletes: 0, requests: 0, retries: 0 };

function sum(a: WriteOutcome, b: WriteOutcome): WriteOutcome {
  return {
    puts: a.puts + b.puts,
    deletes: a.deletes + b.deletes,
    requests: a.requests + b.requests,
    retries: a.retries + b.retries,
  };
}

export class FlushChain {
  readonly #deps: FlushChainDeps;
  /** Oldest first. */
  readonly #running: Running[] = [];
  #failure: { readonly error: unknown } | undefined;

  constructor(deps: FlushChainDeps) {
    this.#deps = deps;
  }

  /** Records of the flushes in flight. */
  get records(): number {
    let records = 0;
    for (const running of this.#running) records += running.flush.recordCount;
    return records;
  }

  get inFlight(): number {
    return this.#running.length;
  }

  /**
   * Whether a flush may start now: none in flight, or the last one has sent every request it can (all of them,
   * or it is parked), with fewer than MAX_FLUSHES_WRITING writing and MAX_FLUSHES_IN_FLIGHT in flight.
   */
  get ready(): boolean {
    const last = this.#running.at(-1);
    if (last === undefined) return true;
    const writing = this.#running.filter((r) => !r.parked).length;
    return (
      (last.allSent || last.parked) &&
      writing < MAX_FLUSHES_WRITING &&
      this.#running.length < MAX_FLUSHES_IN_FLIGHT
    );
  }

  /** Starts writing `flush`; `onEnd` runs when it has ended, written or not. */
  start(flush: Flush, onEnd: () => void): void {
    if (!this.ready) throw new Error('FlushChain.start called while the chain is not ready');
    const previous = this.#running.at(-1);
    const running: Running = {
      flush,
      abort: new AbortController(),
      allSent: false,
      parked: false,
      ended: Promise.resolve(false),
    };
    this.#running.push(running);
    running.ended = this.#run(running, previous).finally(() => {
      this.#running.splice(this.#running.indexOf(running), 1);
      onEnd();
      this.#deps.onChange();
    });
  }

  /** Throws the failure of a flush (the first that was not a mere stop, if any). */
  throwIfFailed(): void {
    if (this.#failure !== undefined) throw this.#failure.error;
  }

  /** Resolves once no flush is in flight. Never rejects: see throwIfFailed(). */
  async settle(): Promise<void> {
    while (this.#running.length > 0) await Promise.all(this.#running.map((r) => r.ended));
  }

  async #run(running: Running, previous: Running | undefined): Promise<boolean> {
    const started = performance.now();
    const signal = AbortSignal.any([this.#deps.signal, running.abort.signal]);
    const earlier = this.#running.slice(0, this.#running.indexOf(running)).map((r) => r.flush.byKey);
    const { now, after } = splitByOverlap(running.flush.byKey, earlier);
    let unsentParts = after.length === 0 ? 1 : 2;
    const partSent = (): void => {
      unsentParts -= 1;
      if (unsentParts > 0) {
        // The part sent now is out; the rest waits for the flushes before this one.
        running.parked = true;
        this.#deps.onChange();
        return;
      }
      running.allSent = true;
      this.#deps.onChange();
    };
    try {
      let outcome = NOTHING;
      if (now.length > 0) outcome = await this.#deps.write(now, { signal, onAllSent: partSent });
      else partSent();
      if (previous !== undefined && !(await previous.ended)) throw new StoppedError();
      running.parked = false;
      if (after.length > 0)
        outcome = sum(outcome, await this.#deps.write(after, { signal, onAllSent: partSent }));
      this.#deps.onWritten(running.flush, outcome, performance.now() - started);
      return true;
    } catch (error) {
      this.#failed(running, error);
      return false;
    }
  }

  #failed(running: Running, error: unknown): void {
    // The flushes after this one cannot be checkpointed: stop them. The ones before go on.
    for (const later of this.#running.slice(this.#running.indexOf(running) + 1)) later.abort.abort();
    const isStop = error instanceof StoppedError;
    if (this.#failure === undefined || (!isStop && this.#failure.error instanceof StoppedError)) {
      this.#failure = { error };
    }
  }
}
