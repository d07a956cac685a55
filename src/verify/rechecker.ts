// Second looks at the keys a scan found different, so that changes still in flight are not counted as drift.
// Each suspect is read again on both sides with consistent reads (source first) after --recheck-delay-ms, then
// after twice and four times that. It is settled as soon as the destination shows any image the source was
// seen with (the replicator caught up with a version, maybe not the latest one of a hot key); it is drift when
// it still differs after `rounds` looks. A key whose destination changed since the previous look is being
// written by the replicator: it gets up to `rounds` more looks before it counts as drift. Suspects waiting are
// bounded by `capacity` (add() waits), so memory does not grow with the drift.
import { StoppedError } from '../errors/replicator-error.js';
import { Semaphore } from '../util/semaphore.js';
import { Wakeup } from '../util/wakeup.js';
import { canonicalImage, imageDigest, kindOfImages, type DiffKind, type Item } from './item-compare.js';

export interface Suspect {
  /** itemKey of the key. */
  readonly id: string;
  readonly key: Item;
  /** Images (canonicalImage) the first look saw. */
  readonly sourceImage: string;
  readonly destinationImage: string;
}

export interface Drift {
  readonly id: string;
  readonly key: Item;
  readonly kind: DiffKind;
  /** What the last consistent reads found. */
  readonly source: Item | undefined;
  readonly destination: Item | undefined;
}

export interface RecheckReads {
  /** Consistent reads of these keys, the source before the destination; maps by itemKey. */
  read(
    keys: readonly Item[],
    signal: AbortSignal,
  ): Promise<{ source: Map<string, Item>; destination: Map<string, Item> }>;
}

export interface RecheckerOptions {
  readonly reads: RecheckReads;
  readonly delayMs: number;
  /** Looks before a suspect counts as drift (1 or more). */
  readonly rounds: number;
  readonly onDrift: (drift: Drift, signal: AbortSignal) => Promise<void> | void;
  /** Suspects held at once; add() waits beyond it. */
  readonly capacity?: number;
  /** Keys read together (BatchGetItem's 100). */
  readonly batchSize?: number;
  readonly now?: () => number;
}

export interface RecheckStats {
  readonly suspects: number;
  readonly settled: number;
  readonly drift: number;
  /** Suspects whose destination was still changing at their last planned look, so they got more looks. */
  readonly extended: number;
  /** Keys read again (one per suspect per look). */
  readonly looks: number;
}

interface Pending {
  readonly id: string;
  readonly key: Item;
  readonly sourceSeen: Set<string>;
  lastDestination: string;
  looks: number;
  dueAt: number;
  readonly release: () => void;
}

/** Looks due within this window of the first due one are read in the same batch. */
const BATCH_WINDOW_MS = 250;

export class Rechecker {
  readonly #options: RecheckerOptions;
  readonly #now: () => number;
  readonly #slots: Semaphore;
  readonly #pending = new Map<string, Pending>();
  /** One FIFO per delay step: within a queue, due times only grow. */
  readonly #queues: Pending[][] = [[], [], []];
  readonly #wakeup = new Wakeup();
  #closed = false;
  #stats = { suspects: 0, settled: 0, drift: 0, extended: 0, looks: 0 };

  constructor(options: RecheckerOptions) {
    if (!(options.rounds >= 1)) throw new RangeError(`rounds must be at least 1, got ${options.rounds}`);
    this.#options = options;
    this.#now = options.now ?? (() => performance.now());
    this.#slots = new Semaphore(options.capacity ?? 50_000);
  }

  get pending(): number {
    return this.#pending.size;
  }

  stats(): RecheckStats {
    return { ...this.#stats };
  }

  /** Queues a suspect for its first look; waits while `capacity` suspects are held. */
  async add(suspect: Suspect, signal: AbortSignal): Promise<void> {
    if (this.#closed) throw new Error('Rechecker.add after close()');
    if (this.#merge(suspect)) return;
    const release = await this.#slots.acquire(1, signal);
    // Another add of the same key may have got in while this one waited.
    if (this.#merge(suspect)) {
      release();
      return;
    }
    this.#stats.suspects += 1;
    const pending: Pending = {
      id: suspect.id,
      key: suspect.key,
      sourceSeen: new Set([imageDigest(suspect.sourceImage)]),
      lastDestination: imageDigest(suspect.destinationImage),
      looks: 0,
      dueAt: this.#now() + this.#delay(0),
      release,
    };
    this.#pending.set(suspect.id, pending);
    this.#queueFor(0).push(pending);
    this.#wakeup.notify();
  }

  /** No more suspects will come: run() returns once every one held is settled or reported. */
  close(): void {
    this.#closed = true;
    this.#wakeup.notify();
  }

  async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      const head = this.#earliest();
      if (head === undefined) {
        if (this.#closed) return;
        await this.#wakeup.wait(signal);
        continue;
      }
      const wait = head.dueAt - this.#now();
      if (wait > 0) {
        await this.#wakeup.wait(signal, wait);
        continue;
      }
      await this.#look(this.#takeDue(this.#now() + BATCH_WINDOW_MS), signal);
    }
    throw new StoppedError();
  }

  #merge(suspect: Suspect): boolean {
    const existing = this.#pending.get(suspect.id);
    if (existing === undefined) return false;
    existing.sourceSeen.add(imageDigest(suspect.sourceImage));
    return true;
  }

  #delay(looksDone: number): number {
    return this.#options.delayMs * 2 ** Math.min(looksDone, 2);
  }

  #queueFor(looksDone: number): Pending[] {
    const queue = this.#queues[Math.min(looksDone, this.#queues.length - 1)];
    if (queue === undefined) throw new RangeError('no queue');
    return queue;
  }

  #earliest(): Pending | undefined {
    let best: Pending | undefined;
    for (const queue of this.#queues) {
      const head = queue[0];
      if (head !== undefined && (best === undefined || head.dueAt < best.dueAt)) best = head;
    }
    return best;
  }

  #takeDue(until: number): Pending[] {
    const batch: Pending[] = [];
    const size = this.#options.batchSize ?? 100;
    while (batch.length < size) {
      const head = this.#earliest();
      if (head === undefined || head.dueAt > until) break;
      for (const queue of this.#queues) {
        if (queue[0] === head) queue.shift();
      }
      batch.push(head);
    }
    return batch;
  }

  async #look(batch: readonly Pending[], signal: AbortSignal): Promise<void> {
    const { source, destination } = await this.#options.reads.read(
      batch.map((p) => p.key),
      signal,
    );
    const rounds = this.#options.rounds;
    for (const p of batch) {
      p.looks += 1;
      this.#stats.looks += 1;
      const sourceItem = source.get(p.id);
      const destinationItem = destination.get(p.id);
      const sourceImage = canonicalImage(sourceItem);
      const destinationImage = canonicalImage(destinationItem);
      p.sourceSeen.add(imageDigest(sourceImage));
      const destinationDigest = imageDigest(destinationImage);
      const kind = kindOfImages(sourceImage, destinationImage);
      if (kind === undefined || p.sourceSeen.has(destinationDigest)) {
        this.#finish(p);
        this.#stats.settled += 1;
        continue;
      }
      const moving = destinationDigest !== p.lastDestination;
      p.lastDestination = destinationDigest;
      const extend = p.looks >= rounds && moving && p.looks < rounds * 2;
      if (p.looks < rounds || extend) {
        if (extend && p.looks === rounds) this.#stats.extended += 1;
        p.dueAt = this.#now() + this.#delay(p.looks);
        this.#queueFor(p.looks).push(p);
        continue;
      }
      this.#finish(p);
      this.#stats.drift += 1;
      await this.#options.onDrift(
        { id: p.id, key: p.key, kind, source: sourceItem, destination: destinationItem },
        signal,
      );
    }
  }

  #finish(p: Pending): void {
    this.#pending.delete(p.id);
    p.release();
  }
}
