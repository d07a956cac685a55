// One shard's flushes to several destinations (fan-out): the stream is read once and every destination (a lane)
// writes each flush through its own FlushChain, at its own pace. A flush counts as written, and may be
// checkpointed, only once every lane has written it (invariant 2); its records stay counted against the reader's
// memory until every lane is done with it, so a slow destination holds back only its own writes until the memory
// budget is reached, then the reader (invariant 6). Flushes complete in order: each lane writes them in order, so
// the last lane to write flush n has written every flush before it.
import type { Flush } from '../buffer/squash-buffer.js';
import { StoppedError } from '../errors/replicator-error.js';
import { FlushChain, type WriteChanges } from './flush-chain.js';
import type { WriteOutcome } from './table-writer.js';

export interface FanOutLane {
  /** The destination's name, for its backlog. */
  readonly name: string;
  readonly write: WriteChanges;
}

export interface FanOutDeps {
  readonly lanes: readonly FanOutLane[];
  /** Aborts every lane (stop timed out, lease lost). */
  readonly signal: AbortSignal;
  /** Every lane wrote this flush and every flush before it; called in flush order, with the lanes' sum. */
  readonly onWritten: (flush: Flush, outcome: WriteOutcome, durationMs: number) => void;
  /** A lane may take another flush, or a flush ended, or a lane failed. */
  readonly onChange: () => void;
  /** Records a lane has not written yet (queued or in flight): which destination is behind. */
  readonly onBacklog?: (lane: string, records: number) => void;
}

interface Entry {
  readonly flush: Flush;
  readonly started: number;
  readonly onEnd: () => void;
  written: number;
  ended: number;
  outcome: WriteOutcome;
  readonly done: Promise<void>;
  resolve: () => void;
}

interface Lane {
  readonly name: string;
  readonly chain: FlushChain;
  /** Flushes this lane has not started yet, oldest first. */
  readonly queue: Entry[];
  /** Records started in this lane and not yet ended. */
  inFlight: number;
  failure: { readonly error: unknown } | undefined;
}

export class FanOut {
  readonly #deps: FanOutDeps;
  readonly #lanes: Lane[];
  readonly #entries = new Map<Flush, Entry>();

  constructor(deps: FanOutDeps) {
    if (deps.lanes.length === 0) throw new RangeError('a fan-out needs at least one destination');
    this.#deps = deps;
    this.#lanes = deps.lanes.map((lane) => {
      const state: Lane = {
        name: lane.name,
        queue: [],
        inFlight: 0,
        failure: undefined,
        chain: new FlushChain({
          write: lane.write,
          signal: deps.signal,
          onWritten: (flush, outcome) => this.#laneWrote(flush, outcome),
          onChange: () => this.#laneChanged(state),
        }),
      };
      return state;
    });
  }

  /** Records of the flushes some lane has not finished. */
  get records(): number {
    let records = 0;
    for (const entry of this.#entries.values()) records += entry.flush.recordCount;
    return records;
  }

  /** Whether to hand over another flush: some lane could start it at once. */
  get ready(): boolean {
    return this.#lanes.some(
      (lane) => lane.failure === undefined && lane.queue.length === 0 && lane.chain.ready,
    );
  }

  start(flush: Flush, onEnd: () => void): void {
    let resolve = (): void => {};
    const done = new Promise<void>((r) => (resolve = r));
    const entry: Entry = {
      flush,
      started: performance.now(),
      onEnd,
      written: 0,
      ended: 0,
      outcome: { puts: 0, deletes: 0, requests: 0, retries: 0 },
      done,
      resolve,
    };
    this.#entries.set(flush, entry);
    for (const lane of this.#lanes) {
      lane.queue.push(entry);
      this.#pump(lane);
    }
  }

  /** Throws the first lane's failure that is not a mere stop (else a stop), if any lane failed. */
  throwIfFailed(): void {
    const failed = this.#lanes.filter((lane) => lane.failure !== undefined);
    const first = failed.find((lane) => !(lane.failure?.error instanceof StoppedError)) ?? failed[0];
    if (first?.failure !== undefined) throw first.failure.error;
  }

  /** Resolves once every flush has ended in every lane. Never rejects: see throwIfFailed(). */
  async settle(): Promise<void> {
    while (this.#entries.size > 0) await Promise.all([...this.#entries.values()].map((entry) => entry.done));
  }

  #pump(lane: Lane): void {
    if (lane.failure !== undefined || this.#deps.signal.aborted) {
      // A lane that cannot write any more drops what it has not started: those flushes will not be checkpointed.
      for (const entry of lane.queue.splice(0)) this.#laneEnded(entry);
    }
    while (lane.queue.length > 0 && lane.chain.ready) {
      const entry = lane.queue.shift();
      if (entry === undefined) break;
      lane.inFlight += entry.flush.recordCount;
      lane.chain.start(entry.flush, () => {
        lane.inFlight -= entry.flush.recordCount;
        this.#laneEnded(entry);
      });
    }
    this.#deps.onBacklog?.(lane.name, this.#backlog(lane));
  }

  #backlog(lane: Lane): number {
    let records = lane.inFlight;
    for (const entry of lane.queue) records += entry.flush.recordCount;
    return records;
  }

  #laneChanged(lane: Lane): void {
    if (lane.failure === undefined) {
      try {
        lane.chain.throwIfFailed();
      } catch (error) {
        lane.failure = { error };
      }
    }
    this.#pump(lane);
    this.#deps.onChange();
  }

  #laneWrote(flush: Flush, outcome: WriteOutcome): void {
    const entry = this.#entries.get(flush);
    if (entry === undefined) return;
    entry.written += 1;
    entry.outcome = {
      puts: entry.outcome.puts + outcome.puts,
      deletes: entry.outcome.deletes + outcome.deletes,
      requests: entry.outcome.requests + outcome.requests,
      retries: entry.outcome.retries + outcome.retries,
    };
    if (entry.written === this.#lanes.length) {
      this.#deps.onWritten(flush, entry.outcome, performance.now() - entry.started);
    }
  }

  #laneEnded(entry: Entry): void {
    entry.ended += 1;
    if (entry.ended < this.#lanes.length) return;
    this.#entries.delete(entry.flush);
    entry.onEnd();
    entry.resolve();
  }
}
