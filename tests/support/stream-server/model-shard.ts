// One shard of the model: its place in the lineage (parent, hash range), its sequence number range, the records
// still readable, and how far its start has been trimmed. A shard only grows until it is closed; trimming
// removes records from its start and remembers the first sequence number still readable, so that a position
// before it can be told apart (trimmed data) from a position that merely has nothing new yet.
import type { WireItem } from './attribute-wire.js';
import type { HashRange } from './key-hash.js';
import { formatSequenceNumber } from './sequence-number.js';

export type ChangeEventName = 'INSERT' | 'MODIFY' | 'REMOVE';

/**
 * Who made a change, on the records of DynamoDB's own TTL deletes only. The GetRecords JSON has the model's
 * member names, PrincipalId and Type (Lambda's event format spells them principalId and type).
 */
export interface WireIdentity {
  readonly PrincipalId: string;
  readonly Type: string;
}

/** A stream record exactly as GetRecords serves it. */
export interface WireRecord {
  readonly eventID: string;
  readonly eventName: ChangeEventName;
  readonly eventVersion: string;
  readonly eventSource: 'aws:dynamodb';
  readonly awsRegion: string;
  readonly dynamodb: {
    readonly ApproximateCreationDateTime: number;
    readonly Keys: WireItem;
    readonly NewImage?: WireItem;
    readonly OldImage?: WireItem;
    readonly SequenceNumber: string;
    readonly SizeBytes: number;
    readonly StreamViewType: string;
  };
  readonly userIdentity?: WireIdentity;
}

export interface StoredRecord {
  readonly sequenceNumber: bigint;
  readonly sizeBytes: number;
  readonly wire: WireRecord;
}

export interface RecordPage {
  readonly records: readonly StoredRecord[];
  /** Where the next read continues: the first sequence number after the records returned. */
  readonly nextCursor: bigint;
  /** Records at or after nextCursor remain in the shard. */
  readonly more: boolean;
}

export class ModelShard {
  readonly shardId: string;
  readonly parentShardId: string | undefined;
  readonly hashRange: HashRange;
  readonly startingSequenceNumber: bigint;
  /** Bumped to invalidate every iterator issued for this shard so far. */
  expiryEpoch = 0;
  #records: StoredRecord[] = [];
  #endingSequenceNumber: bigint | undefined;
  #lastSequenceNumber: bigint;
  #readableFrom: bigint;
  #trimmedCount = 0;
  #removed = false;

  constructor(init: {
    shardId: string;
    parentShardId: string | undefined;
    hashRange: HashRange;
    startingSequenceNumber: bigint;
  }) {
    this.shardId = init.shardId;
    this.parentShardId = init.parentShardId;
    this.hashRange = init.hashRange;
    this.startingSequenceNumber = init.startingSequenceNumber;
    this.#lastSequenceNumber = init.startingSequenceNumber;
    this.#readableFrom = init.startingSequenceNumber;
  }

  get isOpen(): boolean {
    return this.#endingSequenceNumber === undefined;
  }

  get endingSequenceNumber(): bigint | undefined {
    return this.#endingSequenceNumber;
  }

  /** The newest sequence number of the shard (its starting one while it has no record). */
  get lastSequenceNumber(): bigint {
    return this.#lastSequenceNumber;
  }

  /** Records before this sequence number were trimmed. */
  get readableFrom(): bigint {
    return this.#readableFrom;
  }

  get removed(): boolean {
    return this.#removed;
  }

  /** Records still readable. */
  get recordCount(): number {
    return this.#records.length;
  }

  get trimmedCount(): number {
    return this.#trimmedCount;
  }

  /** Sequence numbers of the records still readable, oldest first. */
  sequenceNumbers(): string[] {
    return this.#records.map((r) => r.wire.dynamodb.SequenceNumber);
  }

  append(record: StoredRecord): void {
    if (!this.isOpen) throw new Error(`shard ${this.shardId} is closed: it takes no more records`);
    if (record.sequenceNumber <= this.#lastSequenceNumber) {
      throw new RangeError(
        `sequence number ${record.sequenceNumber} does not follow ${this.#lastSequenceNumber}`,
      );
    }
    this.#records.push(record);
    this.#lastSequenceNumber = record.sequenceNumber;
  }

  /** Closes the shard after its newest record; returns the EndingSequenceNumber. */
  close(): bigint {
    if (this.#endingSequenceNumber === undefined) this.#endingSequenceNumber = this.#lastSequenceNumber;
    return this.#endingSequenceNumber;
  }

  /** Takes the shard out of the stream: DescribeStream no longer lists it and reads of it fail. */
  remove(): void {
    this.#removed = true;
    this.#trimmedCount += this.#records.length;
    this.#records = [];
  }

  /** Trims the records with a sequence number below `before`; returns how many. */
  trimBefore(before: bigint): number {
    let count = 0;
    while (count < this.#records.length && this.#records[count]!.sequenceNumber < before) count += 1;
    return this.trimFirst(count);
  }

  /** Trims the `count` oldest readable records; returns how many. */
  trimFirst(count: number): number {
    const removed = this.#records.splice(0, Math.max(0, count));
    const last = removed.at(-1);
    // Only records really removed move the horizon: a position in a stretch that never held a record of this
    // shard lost nothing and stays readable.
    if (last !== undefined && last.sequenceNumber + 1n > this.#readableFrom) {
      this.#readableFrom = last.sequenceNumber + 1n;
    }
    this.#trimmedCount += removed.length;
    return removed.length;
  }

  /** Up to `limit` records (and about `maxBytes`, at least one record) from sequence number `cursor` on. */
  recordsFrom(cursor: bigint, limit: number, maxBytes: number): RecordPage {
    let index = this.#firstIndexAtOrAfter(cursor);
    const records: StoredRecord[] = [];
    let bytes = 0;
    while (index < this.#records.length && records.length < limit) {
      const record = this.#records[index]!;
      if (records.length > 0 && bytes + record.sizeBytes > maxBytes) break;
      records.push(record);
      bytes += record.sizeBytes;
      index += 1;
    }
    const last = records.at(-1);
    return {
      records,
      nextCursor: last === undefined ? cursor : last.sequenceNumber + 1n,
      more: index < this.#records.length,
    };
  }

  describe(): {
    ShardId: string;
    ParentShardId?: string;
    SequenceNumberRange: { StartingSequenceNumber: string; EndingSequenceNumber?: string };
  } {
    const range: { StartingSequenceNumber: string; EndingSequenceNumber?: string } = {
      StartingSequenceNumber: formatSequenceNumber(this.startingSequenceNumber),
    };
    if (this.#endingSequenceNumber !== undefined) {
      range.EndingSequenceNumber = formatSequenceNumber(this.#endingSequenceNumber);
    }
    return {
      ShardId: this.shardId,
      ...(this.parentShardId === undefined ? {} : { ParentShardId: this.parentShardId }),
      SequenceNumberRange: range,
    };
  }

  #firstIndexAtOrAfter(cursor: bigint): number {
    let low = 0;
    let high = this.#records.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (this.#records[mid]!.sequenceNumber < cursor) low = mid + 1;
      else high = mid;
    }
    return low;
  }
}
