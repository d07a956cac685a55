// What the server answered, in the order it evaluated the calls: one entry per call (bounded), plus per-shard
// firsts that never get dropped (first iterator asked, first read, when the end of a closed shard was served)
// and counts by operation and outcome. Tests read it to prove an order (parents before children) and that the
// faults they injected were hit.
import type { StreamErrorType } from './stream-api-error.js';
import type { ServedDetail, StreamOperation } from './stream-operations.js';

export type Outcome = 'ok' | StreamErrorType;

export interface AccessEntry extends ServedDetail {
  /** Position in evaluation order, from 0. */
  readonly index: number;
  readonly atMs: number;
  readonly operation: StreamOperation | 'Unknown';
  readonly outcome: Outcome;
  /** The outcome (or a delay before it) came from a fault rule. */
  readonly injected: boolean;
}

export interface ShardAccess {
  /** Index of the first GetShardIterator or GetRecords call on the shard, whatever its outcome. */
  readonly firstAccess: number | undefined;
  /** Index of the first GetRecords that served records. */
  readonly firstRecordsServed: number | undefined;
  /** Index of the first GetRecords answered without NextShardIterator (the reader learns the shard ended). */
  readonly endServed: number | undefined;
  readonly getRecordsCalls: number;
  readonly recordsServed: number;
}

interface MutableShardAccess {
  firstAccess: number | undefined;
  firstRecordsServed: number | undefined;
  endServed: number | undefined;
  getRecordsCalls: number;
  recordsServed: number;
}

export class AccessLog {
  readonly #maxEntries: number;
  readonly #entries: AccessEntry[] = [];
  readonly #shards = new Map<string, MutableShardAccess>();
  readonly #counts = new Map<string, number>();
  #next = 0;
  #dropped = 0;

  constructor(maxEntries = 200_000) {
    this.#maxEntries = maxEntries;
  }

  add(entry: Omit<AccessEntry, 'index'>): AccessEntry {
    const full: AccessEntry = { ...entry, index: this.#next++ };
    if (this.#entries.length < this.#maxEntries) this.#entries.push(full);
    else this.#dropped += 1;
    this.#bump(`${full.operation}:${full.outcome}`);
    if (full.injected) this.#bump(`injected:${full.outcome}`);
    if (
      full.shardId !== undefined &&
      (full.operation === 'GetRecords' || full.operation === 'GetShardIterator')
    ) {
      const shard = this.#shard(full.shardId);
      shard.firstAccess ??= full.index;
      if (full.operation === 'GetRecords' && full.outcome === 'ok') {
        shard.getRecordsCalls += 1;
        shard.recordsServed += full.records ?? 0;
        if ((full.records ?? 0) > 0) shard.firstRecordsServed ??= full.index;
        if (full.shardEnded === true) shard.endServed ??= full.index;
      }
    }
    return full;
  }

  /** Entries kept (the first `maxEntries`), optionally filtered. */
  entries(filter?: (entry: AccessEntry) => boolean): AccessEntry[] {
    return filter === undefined ? [...this.#entries] : this.#entries.filter(filter);
  }

  /** Entries not kept because the log was full (counts and shard firsts still include them). */
  get dropped(): number {
    return this.#dropped;
  }

  get size(): number {
    return this.#next;
  }

  /** Calls answered, by operation and outcome (either may be omitted). */
  count(operation?: StreamOperation, outcome?: Outcome): number {
    let total = 0;
    for (const [key, n] of this.#counts) {
      if (key.startsWith('injected:')) continue;
      const [op, out] = key.split(':');
      if ((operation === undefined || op === operation) && (outcome === undefined || out === outcome))
        total += n;
    }
    return total;
  }

  shard(shardId: string): ShardAccess {
    return { ...this.#shard(shardId) };
  }

  /** Records served by all GetRecords calls. */
  recordsServed(): number {
    let total = 0;
    for (const shard of this.#shards.values()) total += shard.recordsServed;
    return total;
  }

  /**
   * Children touched (an iterator asked or a read) before the end of their parent was served: each violation
   * as one line. A child nobody touched is no violation; a parent that was never read to its end is one as
   * soon as its child is touched.
   */
  parentsFirstViolations(
    shards: readonly { shardId: string; parentShardId: string | undefined }[],
  ): string[] {
    const violations: string[] = [];
    for (const { shardId, parentShardId } of shards) {
      if (parentShardId === undefined) continue;
      const child = this.#shards.get(shardId)?.firstAccess;
      if (child === undefined) continue;
      const parentEnd = this.#shards.get(parentShardId)?.endServed;
      if (parentEnd === undefined || child < parentEnd) {
        violations.push(
          `child ${shardId} was first accessed at call #${child}, its parent ${parentShardId}'s end was served ${parentEnd === undefined ? 'never' : `at call #${parentEnd}`}`,
        );
      }
    }
    return violations;
  }

  #shard(shardId: string): MutableShardAccess {
    let shard = this.#shards.get(shardId);
    if (shard === undefined) {
      shard = {
        firstAccess: undefined,
        firstRecordsServed: undefined,
        endServed: undefined,
        getRecordsCalls: 0,
        recordsServed: 0,
      };
      this.#shards.set(shardId, shard);
    }
    return shard;
  }

  #bump(key: string): void {
    this.#counts.set(key, (this.#counts.get(key) ?? 0) + 1);
  }
}
