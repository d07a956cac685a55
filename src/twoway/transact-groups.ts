// Gathers the single-key transactions of one flush into groups (transact-group.ts) and sends each group as one
// TransactWriteItems. The keys of a flush are distinct, so no two members of a group touch the same item. A group
// goes out when it is full, when every key of the flush still at work is waiting on a group (nothing more can
// join soon: at low load a key waits for nobody), or after the window, so that a key held up elsewhere (a retry,
// a conflict's record) delays the others by at most that long.
import { TransactionCanceledException, type TransactWriteItemsCommandInput } from '@aws-sdk/client-dynamodb';
import { StoppedError } from '../errors/replicator-error.js';
import {
  fitsInGroup,
  groupOutcomes,
  groupToken,
  MAX_GROUP_ACTIONS,
  type GroupMember,
  type MemberOutcome,
} from './transact-group.js';

export type GroupAnswer = { readonly kind: 'applied' } | MemberOutcome;

/** Sends one group's request to the named target; throws what the SDK threw (TransactionCanceledException, ...). */
export type SendGroup = (target: string, input: TransactWriteItemsCommandInput) => Promise<void>;

interface Waiting {
  readonly member: GroupMember;
  readonly resolve: (answer: GroupAnswer) => void;
  readonly reject: (err: unknown) => void;
}

interface Pending {
  members: Waiting[];
  actions: number;
  bytes: number;
  timer: NodeJS.Timeout | undefined;
}

export class TransactGroups {
  readonly #send: SendGroup;
  readonly #windowMs: number;
  readonly #signal: AbortSignal;
  readonly #pending = new Map<string, Pending>();
  /** Keys of the flush not done yet. */
  #active: number;
  /** Members waiting in a pending group or in a group sent and not answered. */
  #held = 0;
  readonly #onAbort = (): void => {
    for (const [target, pending] of this.#pending) {
      this.#pending.delete(target);
      clearTimeout(pending.timer);
      this.#held -= pending.members.length;
      for (const w of pending.members) w.reject(new StoppedError());
    }
  };

  constructor(options: { keys: number; windowMs: number; signal: AbortSignal; send: SendGroup }) {
    this.#active = options.keys;
    this.#windowMs = options.windowMs;
    this.#signal = options.signal;
    this.#send = options.send;
    options.signal.addEventListener('abort', this.#onAbort, { once: true });
  }

  /** Sends `member`'s actions to `target` in a group; what became of them. */
  submit(target: string, member: GroupMember): Promise<GroupAnswer> {
    if (this.#signal.aborted) return Promise.reject(new StoppedError());
    return new Promise<GroupAnswer>((resolve, reject) => {
      let pending = this.#pending.get(target);
      if (pending !== undefined && !fitsInGroup(pending.actions, pending.bytes, member)) {
        this.#sendPending(target);
        pending = undefined;
      }
      if (pending === undefined) {
        pending = { members: [], actions: 0, bytes: 0, timer: undefined };
        const created = pending;
        this.#pending.set(target, created);
        created.timer = setTimeout(() => {
          if (this.#pending.get(target) === created) this.#sendPending(target);
        }, this.#windowMs);
      }
      pending.members.push({ member, resolve, reject });
      pending.actions += member.actions.length;
      pending.bytes += member.bytes;
      this.#held += 1;
      if (pending.actions >= MAX_GROUP_ACTIONS) this.#sendPending(target);
      else this.#sendIfNoneCanJoin();
    });
  }

  /** One key of the flush is done: it will not join a group again. */
  keyDone(): void {
    this.#active -= 1;
    this.#sendIfNoneCanJoin();
  }

  /** The flush is over: no listener left on its signal. */
  close(): void {
    this.#signal.removeEventListener('abort', this.#onAbort);
    this.#onAbort();
  }

  #sendIfNoneCanJoin(): void {
    if (this.#held < this.#active) return;
    for (const target of [...this.#pending.keys()]) this.#sendPending(target);
  }

  #sendPending(target: string): void {
    const pending = this.#pending.get(target);
    if (pending === undefined) return;
    this.#pending.delete(target);
    clearTimeout(pending.timer);
    void this.#sendGroup(target, pending.members);
  }

  async #sendGroup(target: string, group: readonly Waiting[]): Promise<void> {
    const members = group.map((w) => w.member);
    let input: TransactWriteItemsCommandInput = {
      TransactItems: members.flatMap((m) => [...m.actions]),
      ClientRequestToken: groupToken(members),
    };
    let answers: readonly GroupAnswer[] | undefined;
    let failure: unknown;
    for (;;) {
      try {
        await this.#send(target, input);
        answers = group.map(() => ({ kind: 'applied' }));
      } catch (err) {
        if (err instanceof TransactionCanceledException) {
          answers = groupOutcomes(members, err.CancellationReasons);
        } else if (
          err instanceof Error &&
          err.name === 'IdempotentParameterMismatchException' &&
          input.ClientRequestToken !== undefined
        ) {
          // The token was used (within 10 minutes) for other parameters: sent without one, the conditions decide.
          input = { ...input, ClientRequestToken: undefined };
          continue;
        } else {
          failure = err;
        }
      }
      break;
    }
    this.#held -= group.length;
    group.forEach((w, i) => {
      const answer = answers?.[i];
      if (answer === undefined) w.reject(failure);
      else w.resolve(answer);
    });
  }
}
