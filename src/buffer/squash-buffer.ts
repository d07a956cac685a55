// The write cache between a shard's reader and the table writer: per primary key only the latest change
// survives (the seed's DynamoDBReplicationBuffer), so a flush holds at most one change per item and can go out
// as BatchWriteItem in any order. Keeps the last sequence number absorbed, which is what the flush may
// checkpoint once written. Records must be added in shard order.
import type { ChangeRecord } from '../stream/change-record.js';
import { itemKey } from './item-key.js';

export interface Flush {
  /** At most one change per primary key, the latest of those absorbed. */
  readonly changes: readonly ChangeRecord[];
  /** The same changes by item key (itemKey), so a later flush can tell which of its keys this one writes. */
  readonly byKey: ReadonlyMap<string, ChangeRecord>;
  /** Records absorbed into this flush, squashed ones included. */
  readonly recordCount: number;
  readonly bytes: number;
  /** The sequence number of the last record absorbed: the checkpoint once the flush is written. */
  readonly lastSequenceNumber: string;
  /** ApproximateCreationDateTime of the newest record absorbed, when the stream gave one. */
  readonly newestCreatedAtMs: number | undefined;
}

export class SquashBuffer {
  readonly #keyAttributes: readonly string[];
  readonly #keepEarlier: boolean;
  #latest = new Map<string, ChangeRecord>();
  #recordCount = 0;
  #bytes = 0;
  #lastSequenceNumber: string | undefined;
  #newestCreatedAtMs: number | undefined;

  /**
   * `keepEarlier`: the surviving change carries the ones it replaced (ChangeRecord.earlier), which rules need
   * to know every image the destination may hold for the key; without rules only the latest is kept.
   */
  constructor(keyAttributes: readonly string[], keepEarlier = false) {
    if (keyAttributes.length === 0) throw new RangeError('a table key has at least one attribute');
    this.#keyAttributes = keyAttributes;
    this.#keepEarlier = keepEarlier;
  }

  /** Records absorbed since the last drain. */
  get recordCount(): number {
    return this.#recordCount;
  }

  get bytes(): number {
    return this.#bytes;
  }

  /** Distinct keys waiting. */
  get size(): number {
    return this.#latest.size;
  }

  add(record: ChangeRecord): void {
    const key = itemKey(record.keys, this.#keyAttributes);
    const replaced = this.#latest.get(key);
    // Delete first so the key moves to the end: map order then follows the latest change, which keeps flush
    // order stable and makes the squash visible in tests.
    this.#latest.delete(key);
    this.#latest.set(
      key,
      replaced !== undefined && this.#keepEarlier ? withEarlier(record, replaced) : record,
    );
    this.#recordCount += 1;
    this.#bytes += record.sizeBytes;
    this.#lastSequenceNumber = record.sequenceNumber;
    if (record.createdAtMs !== undefined) this.#newestCreatedAtMs = record.createdAtMs;
  }

  addAll(records: readonly ChangeRecord[]): void {
    for (const record of records) this.add(record);
  }

  /** Takes everything absorbed so far as one flush, or undefined when nothing was absorbed. */
  drain(): Flush | undefined {
    const lastSequenceNumber = this.#lastSequenceNumber;
    if (lastSequenceNumber === undefined) return undefined;
    const flush: Flush = {
      changes: [...this.#latest.values()],
      byKey: this.#latest,
      recordCount: this.#recordCount,
      bytes: this.#bytes,
      lastSequenceNumber,
      newestCreatedAtMs: this.#newestCreatedAtMs,
    };
    this.#latest = new Map();
    this.#recordCount = 0;
    this.#bytes = 0;
    this.#lastSequenceNumber = undefined;
    this.#newestCreatedAtMs = undefined;
    return flush;
  }
}

function withEarlier(record: ChangeRecord, replaced: ChangeRecord): ChangeRecord {
  const { earlier, ...plain } = replaced;
  return { ...record, earlier: [...(earlier ?? []), plain] };
}
