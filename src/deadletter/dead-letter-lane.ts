// `--on-reject dead-letter`: a flush's changes that the transform throws on or the destination refuses for good
// (validation: an index key of the wrong type, an item too large) go to the task's dead-letter table, and the
// rest of the flush is written as usual. The dead letters are stored before the flush returns, so a checkpoint
// never passes a record that is neither at the destination nor a dead letter (invariant 2). A key with dead
// letters is blocked: its later changes go to the table too, until `dead-letters replay` (or purge) empties it,
// which keeps per-key order (invariant 1). One lane per task, shared by its shards.
import type { WriteRequest } from '@aws-sdk/client-dynamodb';
import type { Logger } from 'pino';
import { itemKey } from '../buffer/item-key.js';
import { StoppedError } from '../errors/replicator-error.js';
import type { EventBus } from '../observability/events.js';
import { planOwnedWrites, type DestinationRules } from '../rules/destination-writes.js';
import type { ChangeRecord } from '../stream/change-record.js';
import type { RefusedWrite, TableWriter, WriteOptions, WriteOutcome } from '../writer/table-writer.js';
import { toWriteRequest } from '../writer/write-plan.js';
import { deadLetterOf } from './dead-letter-item.js';
import type { DeadLetterStore } from './dead-letter-store.js';
import { partitionBlocked, refusedChanges, type Refusal } from './lane-decisions.js';

export interface DeadLetterLaneDeps {
  readonly store: DeadLetterStore;
  readonly task: string;
  readonly writer: TableWriter;
  readonly rules: DestinationRules | undefined;
  readonly sourceKeyAttributes: readonly string[];
  /** The destination's key attributes: a refused write is matched to its change by them, if not by identity. */
  readonly destinationKeyAttributes: readonly string[];
  readonly events: EventBus;
  readonly logger: Logger;
  readonly now?: () => Date;
}

/** What the lane writes of a flush, and what it kept out of the destination. */
export interface LaneOutcome extends WriteOutcome {
  readonly filteredOut: number;
  readonly deadLettered: number;
}

export const BLOCKED_ERROR = 'an earlier change of this key is a dead letter (kept in order until replayed)';

export class DeadLetterLane {
  readonly #deps: DeadLetterLaneDeps;
  /** Keys with dead letters as this worker knows them; a key leaves the set once a Query finds none. */
  readonly #blocked = new Set<string>();
  /** Bumped when a shard starts: dead letters another worker wrote for its keys are loaded before its writes. */
  #wanted = 1;
  #loaded = 0;
  #loading: Promise<void> | undefined;

  constructor(deps: DeadLetterLaneDeps) {
    this.#deps = deps;
  }

  get tableName(): string {
    return this.#deps.store.tableName;
  }

  /** A shard of the task starts here: its keys may have dead letters from the worker that held it before. */
  shardStarted(): void {
    this.#wanted += 1;
  }

  async write(
    shardId: string,
    changes: readonly ChangeRecord[],
    options: WriteOptions & { readonly signal: AbortSignal },
  ): Promise<LaneOutcome> {
    const { writer, sourceKeyAttributes, destinationKeyAttributes } = this.#deps;
    await this.#loadBlocked(options.signal);
    const partition = partitionBlocked(changes, this.#blocked, sourceKeyAttributes);
    const free = partition.free;
    const held: Refusal[] = [];
    for (const change of partition.blocked) {
      // Replay or purge may have emptied the key since: then it is written as usual.
      if (await this.#stillBlocked(change, options.signal)) held.push({ change, error: BLOCKED_ERROR });
      else free.push(change);
    }

    const planned = await this.#plan(free);
    const refused: RefusedWrite[] = [];
    const outcome = await writer.writeRequests(planned.requests, { ...options, refused });
    const mapped = refusedChanges(
      refused.map((r) => ({ request: r.request, error: r.error.message })),
      planned.owners,
      destinationKeyAttributes,
    );
    const first = refused.find((r) => mapped.unmatched.includes(r.request));
    if (first !== undefined) throw first.error;

    const letters = [...held, ...planned.refused, ...mapped.refusals];
    await this.#store(shardId, letters, options);
    if (planned.filteredOut > 0) {
      this.#deps.events.emit('records.filtered', {
        shardId,
        destination: writer.tableName,
        count: planned.filteredOut,
      });
    }
    let refusedPuts = 0;
    for (const r of refused) if (r.request.PutRequest !== undefined) refusedPuts += 1;
    return {
      ...outcome,
      puts: outcome.puts - refusedPuts,
      deletes: outcome.deletes - (refused.length - refusedPuts),
      filteredOut: planned.filteredOut,
      deadLettered: letters.length,
    };
  }

  async #store(shardId: string, letters: readonly Refusal[], options: WriteOptions): Promise<void> {
    if (letters.length === 0) return;
    const { store, task, sourceKeyAttributes, events, logger } = this.#deps;
    const now = this.#deps.now?.() ?? new Date();
    // Fenced like the destination's writes: a worker that lost the shard's lease stores nothing more.
    await options.beforeSend?.();
    for (const { change, error } of letters) {
      const letter = deadLetterOf(change, { task, shardId, keyAttributes: sourceKeyAttributes }, error, now);
      await store.put(letter, options.signal);
      this.#blocked.add(letter.key);
      logger.warn(
        { key: change.keys, sequenceNumber: change.sequenceNumber, table: store.tableName, error },
        'change dead-lettered',
      );
    }
    events.emit('records.dead-lettered', { shardId, count: letters.length });
  }

  async #plan(changes: readonly ChangeRecord[]): Promise<{
    requests: WriteRequest[];
    owners: Map<WriteRequest, ChangeRecord>;
    refused: Refusal[];
    filteredOut: number;
  }> {
    const rules = this.#deps.rules;
    if (rules === undefined) {
      const owners = new Map<WriteRequest, ChangeRecord>();
      for (const change of changes) owners.set(toWriteRequest(change), change);
      return { requests: [...owners.keys()], owners, refused: [], filteredOut: 0 };
    }
    const planned = await planOwnedWrites(changes, rules);
    return {
      requests: planned.requests,
      owners: planned.owners,
      refused: planned.refused.map((r) => ({ change: r.change, error: r.error.message })),
      filteredOut: planned.filteredOut,
    };
  }

  async #stillBlocked(change: ChangeRecord, signal: AbortSignal): Promise<boolean> {
    const key = itemKey(change.keys, this.#deps.sourceKeyAttributes);
    if (await this.#deps.store.hasKey(key, signal)) return true;
    this.#blocked.delete(key);
    return false;
  }

  /**
   * The blocked keys from the table, merged into the set (never replacing it: a key stored by a flush while the
   * scan ran must stay). One scan at a time, shared by the shards that wait for it.
   */
  async #loadBlocked(signal: AbortSignal): Promise<void> {
    while (this.#loaded < this.#wanted) {
      if (this.#loading === undefined) {
        const target = this.#wanted;
        this.#loading = this.#deps.store
          .keys()
          .then((keys) => {
            for (const key of keys) this.#blocked.add(key);
            this.#loaded = Math.max(this.#loaded, target);
          })
          .finally(() => {
            this.#loading = undefined;
          });
      }
      await untilAborted(this.#loading, signal);
    }
  }
}

/** Waits for a shared promise, but gives up (StoppedError) when this caller's signal aborts. */
async function untilAborted(promise: Promise<void>, signal: AbortSignal): Promise<void> {
  if (signal.aborted) throw new StoppedError();
  let remove = (): void => undefined;
  const aborted = new Promise<never>((_, reject) => {
    const onAbort = (): void => reject(new StoppedError());
    signal.addEventListener('abort', onAbort, { once: true });
    remove = () => signal.removeEventListener('abort', onAbort);
  });
  try {
    await Promise.race([promise, aborted]);
  } finally {
    remove();
  }
}
