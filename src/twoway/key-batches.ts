// Gathers single-key requests of one flush into batches, each sent as one request (a TransactWriteItems of many
// keys' puts, transact-groups.ts; a BatchExecuteStatement of many keys' stamps, stamp-batches.ts). The keys of a
// flush are distinct, so no two members of a batch touch the same item. A batch goes out when it is full, when
// every key of the flush still at work is waiting in some batch (nothing more can join soon: at low load a key
// waits for nobody), or after the window, so that a key held up elsewhere (a retry, a conflict's record) delays
// the others by at most that long. The flush's load (FlushLoad) is shared by all its kinds of batch: a key waiting
// on a stamp cannot join a group of puts either.
import { StoppedError } from '../errors/replicator-error.js';

/** How one kind of request is batched. */
export interface BatchRule<M, A> {
  /** Whether `member` may join a batch that holds `members` (never called for an empty batch). */
  readonly fits: (members: readonly M[], member: M) => boolean;
  /** Whether a batch is full: sent at once. */
  readonly full: (members: readonly M[]) => boolean;
  /** Sends one batch to `target`: an answer per member, in order. A throw fails every member with it. */
  readonly send: (target: string, members: readonly M[]) => Promise<readonly A[]>;
}

interface Flushable {
  /** Sends every batch waiting: no other key of the flush can join one. */
  sendAll(): void;
}

/** The keys of one flush still at work, and how many of them wait in a batch of any kind. */
export class FlushLoad {
  #active: number;
  #held = 0;
  readonly #batches = new Set<Flushable>();

  constructor(keys: number) {
    this.#active = keys;
  }

  /** One key of the flush is done: it will not join a batch again. */
  keyDone(): void {
    this.#active -= 1;
    this.#sendIfNoneCanJoin();
  }

  /** @internal KeyBatches' bookkeeping. */
  join(batches: Flushable): void {
    this.#batches.add(batches);
  }

  /** @internal A key joined a batch. */
  held(): void {
    this.#held += 1;
    this.#sendIfNoneCanJoin();
  }

  /** @internal `n` keys got their answer (or their batch was abandoned). */
  released(n: number): void {
    this.#held -= n;
  }

  #sendIfNoneCanJoin(): void {
    if (this.#held < this.#active) return;
    for (const batches of this.#batches) batches.sendAll();
  }
}

interface Waiting<M, A> {
  readonly member: M;
  readonly resolve: (answer: A) => void;
  readonly reject: (err: unknown) => void;
}

interface Pending<M, A> {
  readonly members: Waiting<M, A>[];
  timer: NodeJS.Timeout | undefined;
}

/** The batches of one kind (a rule) of a flush, one open batch per target. */
export class KeyBatches<M, A> implements Flushable {
  readonly #load: FlushLoad;
  readonly #rule: BatchRule<M, A>;
  readonly #windowMs: number;
  readonly #signal: AbortSignal;
  readonly #pending = new Map<string, Pending<M, A>>();
  readonly #onAbort = (): void => {
    for (const [target, pending] of this.#pending) {
      this.#pending.delete(target);
      clearTimeout(pending.timer);
      this.#load.released(pending.members.length);
      for (const w of pending.members) w.reject(new StoppedError());
    }
  };

  constructor(load: FlushLoad, rule: BatchRule<M, A>, options: { windowMs: number; signal: AbortSignal }) {
    this.#load = load;
    this.#rule = rule;
    this.#windowMs = options.windowMs;
    this.#signal = options.signal;
    load.join(this);
    options.signal.addEventListener('abort', this.#onAbort, { once: true });
  }

  /** Sends `member` to `target` in a batch; its answer. */
  submit(target: string, member: M): Promise<A> {
    if (this.#signal.aborted) return Promise.reject(new StoppedError());
    return new Promise<A>((resolve, reject) => {
      let pending = this.#pending.get(target);
      if (
        pending !== undefined &&
        !this.#rule.fits(
          pending.members.map((w) => w.member),
          member,
        )
      ) {
        this.#sendPending(target);
        pending = undefined;
      }
      if (pending === undefined) {
        const created: Pending<M, A> = { members: [], timer: undefined };
        this.#pending.set(target, created);
        created.timer = setTimeout(() => {
          if (this.#pending.get(target) === created) this.#sendPending(target);
        }, this.#windowMs);
        pending = created;
      }
      pending.members.push({ member, resolve, reject });
      if (this.#rule.full(pending.members.map((w) => w.member))) this.#sendPending(target);
      this.#load.held();
    });
  }

  sendAll(): void {
    for (const target of [...this.#pending.keys()]) this.#sendPending(target);
  }

  /** The flush is over: no listener left on its signal, and any batch still open fails as stopped. */
  close(): void {
    this.#signal.removeEventListener('abort', this.#onAbort);
    this.#onAbort();
  }

  #sendPending(target: string): void {
    const pending = this.#pending.get(target);
    if (pending === undefined) return;
    this.#pending.delete(target);
    clearTimeout(pending.timer);
    void this.#sendBatch(target, pending.members);
  }

  async #sendBatch(target: string, batch: readonly Waiting<M, A>[]): Promise<void> {
    let answers: readonly A[] | undefined;
    let failure: unknown;
    try {
      answers = await this.#rule.send(
        target,
        batch.map((w) => w.member),
      );
    } catch (err) {
      failure = err;
    }
    this.#load.released(batch.length);
    batch.forEach((w, i) => {
      const answer = answers?.[i];
      if (answer === undefined)
        w.reject(failure ?? new TypeError('a batch answered fewer members than it sent'));
      else w.resolve(answer);
    });
  }
}
