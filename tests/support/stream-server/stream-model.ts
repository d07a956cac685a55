// One DynamoDB stream under a test's control: any number of shards, records routed to open shards by the hash of
// their partition key, sequence numbers increasing over the whole stream, and what real streams do over time on
// demand: splits (parent closed at its last record, two children), closes, trimming, shards gone for good, and
// iterator expiry. The server reads it; tests drive it directly, synchronously, so no read interleaves.
import { randomBytes } from 'node:crypto';
import { toWireItem, type Item, type WireItem } from './attribute-wire.js';
import { encodeIterator } from './iterator-token.js';
import { HASH_SPACE, inRange, partitionHash, splitRange } from './key-hash.js';
import { ModelShard, type ChangeEventName, type StoredRecord } from './model-shard.js';
import { parseSequenceNumber } from './sequence-number.js';
import { buildStreamRecord, type StreamViewType } from './stream-record.js';

export type { StreamViewType } from './stream-record.js';

export type StreamStatus = 'ENABLING' | 'ENABLED' | 'DISABLING' | 'DISABLED';

export interface KeySchemaEntry {
  readonly AttributeName: string;
  readonly KeyType: 'HASH' | 'RANGE';
}

export interface StreamModelOptions {
  readonly streamArn: string;
  readonly keySchema: readonly KeySchemaEntry[];
  readonly viewType?: StreamViewType;
  /** Open shards created up front, splitting the hash space evenly (default 1). */
  readonly shards?: number;
  /** Iterators older than this are expired (AWS: 15 minutes). */
  readonly iteratorMaxAgeMs?: number;
  readonly now?: () => number;
  readonly firstSequenceNumber?: bigint;
}

export interface ChangeInput {
  readonly keys: Item;
  readonly eventName: ChangeEventName;
  readonly newImage?: Item | undefined;
  readonly oldImage?: Item | undefined;
  readonly createdAt?: Date | undefined;
  /** A REMOVE made by the table's TTL (the record carries the service's user identity). */
  readonly ttl?: boolean | undefined;
}

export interface Appended {
  readonly shardId: string;
  readonly sequenceNumber: string;
}

export const AWS_ITERATOR_MAX_AGE_MS = 15 * 60_000;

export class StreamModel {
  readonly streamArn: string;
  readonly tableName: string;
  readonly region: string;
  readonly streamLabel: string;
  readonly keySchema: readonly KeySchemaEntry[];
  readonly viewType: StreamViewType;
  readonly createdAtMs: number;
  readonly nonce = randomBytes(6).toString('hex');
  iteratorMaxAgeMs: number;
  streamStatus: StreamStatus = 'ENABLED';
  readonly now: () => number;
  readonly #shards: ModelShard[] = [];
  readonly #byId = new Map<string, ModelShard>();
  readonly #partitionKey: string;
  /** The newest image per key, for the OldImage of scripted changes. */
  readonly #images = new Map<string, WireItem>();
  #nextSequenceNumber: bigint;
  #lastShardNumber = 0;
  #appended = 0;

  constructor(options: StreamModelOptions) {
    const arn = /^arn:[^:]+:dynamodb:([^:]*):[^:]*:table\/([^/]+)\/stream\/(.+)$/.exec(options.streamArn);
    if (arn === null) throw new RangeError(`not a DynamoDB stream ARN: ${options.streamArn}`);
    this.streamArn = options.streamArn;
    this.region = arn[1] ?? '';
    this.tableName = arn[2] ?? '';
    this.streamLabel = arn[3] ?? '';
    const hash = options.keySchema.find((k) => k.KeyType === 'HASH');
    if (hash === undefined) throw new RangeError('the key schema has no HASH key');
    this.#partitionKey = hash.AttributeName;
    this.keySchema = options.keySchema;
    this.viewType = options.viewType ?? 'NEW_AND_OLD_IMAGES';
    this.now = options.now ?? Date.now;
    this.createdAtMs = this.now();
    this.iteratorMaxAgeMs = options.iteratorMaxAgeMs ?? AWS_ITERATOR_MAX_AGE_MS;
    this.#nextSequenceNumber = options.firstSequenceNumber ?? 10n ** 20n;
    const count = options.shards ?? 1;
    for (const hashRange of splitRange({ low: 0, high: HASH_SPACE }, count)) {
      this.#createShard(undefined, hashRange);
    }
  }

  /** A model with a made-up ARN, for tests that script every record. */
  static forTable(
    tableName: string,
    options: Omit<StreamModelOptions, 'streamArn' | 'keySchema'> & {
      keySchema?: readonly KeySchemaEntry[];
    } = {},
  ): StreamModel {
    return new StreamModel({
      ...options,
      streamArn: `arn:aws:dynamodb:us-east-1:000000000000:table/${tableName}/stream/${new Date().toISOString().replace('Z', '')}`,
      keySchema: options.keySchema ?? [{ AttributeName: 'pk', KeyType: 'HASH' }],
    });
  }

  /** Every shard ever created, removed ones included, in creation order. */
  allShards(): readonly ModelShard[] {
    return this.#shards;
  }

  /** The shards DescribeStream lists. */
  listedShards(): ModelShard[] {
    return this.#shards.filter((s) => !s.removed);
  }

  openShards(): ModelShard[] {
    return this.#shards.filter((s) => s.isOpen && !s.removed);
  }

  shard(shardId: string): ModelShard {
    const shard = this.#byId.get(shardId);
    if (shard === undefined) throw new RangeError(`no shard ${shardId} in stream ${this.streamArn}`);
    return shard;
  }

  findShard(shardId: string): ModelShard | undefined {
    return this.#byId.get(shardId);
  }

  children(shardId: string): ModelShard[] {
    return this.#shards.filter((s) => s.parentShardId === shardId);
  }

  /**
   * Every record still held (not trimmed), of all shards, in sequence-number order: the source's changes in the
   * order they happened, for tests that check the order of what was replicated.
   */
  records(): StoredRecord[] {
    const all: StoredRecord[] = [];
    for (const shard of this.#shards) {
      all.push(
        ...shard.recordsFrom(shard.readableFrom, Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER).records,
      );
    }
    return all.sort((a, b) =>
      a.sequenceNumber < b.sequenceNumber ? -1 : a.sequenceNumber > b.sequenceNumber ? 1 : 0,
    );
  }

  /** Records appended since the model was made (trimmed ones included). */
  get appendedCount(): number {
    return this.#appended;
  }

  /** The sequence number the next record or shard will get. */
  get nextSequenceNumber(): bigint {
    return this.#nextSequenceNumber;
  }

  /** The open shard the item with these keys goes to now. */
  shardFor(keys: Item): ModelShard {
    const shard = this.findShardFor(keys);
    if (shard === undefined)
      throw new Error(`no open shard covers the key ${JSON.stringify(toWireItem(keys))}`);
    return shard;
  }

  /** The open shard the item with these keys goes to now, if any covers its hash. */
  findShardFor(keys: Item): ModelShard | undefined {
    const hash = partitionHash(toWireItem(keys), this.#partitionKey);
    return this.openShards().find((s) => inRange(s.hashRange, hash));
  }

  /** The first `count` keys made by `make(0), make(1), ...` that go to the shard now (at most 100,000 tried). */
  keysRoutedTo(shardId: string, count: number, make: (i: number) => Item): Item[] {
    const keys: Item[] = [];
    for (let i = 0; keys.length < count && i < 100_000; i++) {
      const key = make(i);
      if (this.findShardFor(key)?.shardId === shardId) keys.push(key);
    }
    if (keys.length < count) throw new Error(`found only ${keys.length} keys for shard ${shardId}`);
    return keys;
  }

  /** Scripted change: the event defaults to INSERT, MODIFY or REMOVE from what the model saw of the key. */
  append(keys: Item, newImage: Item | undefined, eventName?: ChangeEventName): Appended {
    const previous = this.#images.get(this.#keyString(toWireItem(keys)));
    const event =
      eventName ?? (newImage === undefined ? 'REMOVE' : previous === undefined ? 'INSERT' : 'MODIFY');
    return this.appendChange({ keys, newImage, eventName: event });
  }

  /** A change as a stream record carries it (the feeder's path: images as the source stream gave them). */
  appendChange(change: ChangeInput): Appended {
    if (change.ttl === true && change.eventName !== 'REMOVE') {
      throw new RangeError(`a TTL change is a REMOVE, not ${change.eventName}`);
    }
    const keys = toWireItem(change.keys);
    const shard = this.shardFor(change.keys);
    const keyString = this.#keyString(keys);
    const newImage = change.newImage === undefined ? undefined : toWireItem(change.newImage);
    const oldImage =
      change.oldImage === undefined ? this.#images.get(keyString) : toWireItem(change.oldImage);
    if (newImage === undefined) this.#images.delete(keyString);
    else this.#images.set(keyString, newImage);

    const record = buildStreamRecord({
      sequenceNumber: this.#nextSequenceNumber++,
      eventName: change.eventName,
      keys,
      newImage,
      oldImage,
      createdAtMs: change.createdAt?.getTime() ?? this.now(),
      region: this.region,
      viewType: this.viewType,
      ttl: change.ttl,
    });
    shard.append(record);
    this.#appended += 1;
    return { shardId: shard.shardId, sequenceNumber: record.wire.dynamodb.SequenceNumber };
  }

  /** Closes an open shard at its newest record and opens `parts` children that share its hash range. */
  split(shardId: string, parts = 2): ModelShard[] {
    const parent = this.#openShard(shardId);
    const ranges = splitRange(parent.hashRange, parts);
    parent.close();
    return ranges.map((range) => this.#createShard(parent.shardId, range));
  }

  /**
   * Closes an open shard. With a successor (the default, like DynamoDB's periodic shard roll-over) one child
   * takes over its hash range; without one, its keys have no open shard and appending them throws.
   */
  close(shardId: string, options: { successor?: boolean } = {}): ModelShard | undefined {
    const shard = this.#openShard(shardId);
    shard.close();
    return options.successor === false ? undefined : this.#createShard(shard.shardId, shard.hashRange);
  }

  /**
   * Retention: trims every record older than `before` in every shard; a closed shard left without records and
   * wholly older than `before` is removed from the stream, as AWS does 24 hours after a shard closes.
   */
  trimBefore(before: string | bigint, options: { removeExpiredShards?: boolean } = {}): number {
    const limit = typeof before === 'bigint' ? before : parseSequenceNumber(before);
    if (limit === undefined) throw new RangeError(`not a sequence number: ${String(before)}`);
    let trimmed = 0;
    for (const shard of this.listedShards()) {
      trimmed += shard.trimBefore(limit);
      const expired = shard.endingSequenceNumber !== undefined && shard.endingSequenceNumber < limit;
      if (expired && shard.recordCount === 0 && options.removeExpiredShards !== false) shard.remove();
    }
    return trimmed;
  }

  /** Makes the oldest records of one shard unreadable: `count` of them, or all up to `through` inclusive. */
  trimShard(shardId: string, options: { count?: number; through?: string }): number {
    const shard = this.#listedShard(shardId);
    if (options.through !== undefined) {
      const through = parseSequenceNumber(options.through);
      if (through === undefined) throw new RangeError(`not a sequence number: ${options.through}`);
      return shard.trimBefore(through + 1n);
    }
    return shard.trimFirst(options.count ?? shard.recordCount);
  }

  /** The shard disappears from DescribeStream; iterators and GetShardIterator on it fail (not found). */
  removeShard(shardId: string): void {
    this.#listedShard(shardId).remove();
  }

  /** Expires every iterator issued so far, of one shard or of all of them. */
  expireIterators(shardId?: string): void {
    const shards = shardId === undefined ? this.#shards : [this.shard(shardId)];
    for (const shard of shards) shard.expiryEpoch += 1;
  }

  /** A fresh iterator for `shard` whose next record is the first at or after `cursor`. */
  issueIterator(shard: ModelShard, cursor: bigint): string {
    return encodeIterator({
      streamArn: this.streamArn,
      nonce: this.nonce,
      shardId: shard.shardId,
      cursor,
      issuedAtMs: this.now(),
      epoch: shard.expiryEpoch,
    });
  }

  #createShard(parentShardId: string | undefined, hashRange: ModelShard['hashRange']): ModelShard {
    // Shard ids in AWS's format; the number grows with creation, so ids sort parents before children.
    this.#lastShardNumber = Math.max(this.now(), this.#lastShardNumber + 1);
    const shard = new ModelShard({
      shardId: `shardId-${String(this.#lastShardNumber).padStart(20, '0')}-${randomBytes(4).toString('hex')}`,
      parentShardId,
      hashRange,
      startingSequenceNumber: this.#nextSequenceNumber++,
    });
    this.#shards.push(shard);
    this.#byId.set(shard.shardId, shard);
    return shard;
  }

  #listedShard(shardId: string): ModelShard {
    const shard = this.shard(shardId);
    if (shard.removed) throw new Error(`shard ${shardId} was removed from the stream`);
    return shard;
  }

  #openShard(shardId: string): ModelShard {
    const shard = this.#listedShard(shardId);
    if (!shard.isOpen) throw new Error(`shard ${shardId} is already closed`);
    return shard;
  }

  #keyString(keys: WireItem): string {
    return JSON.stringify(this.keySchema.map((k) => keys[k.AttributeName] ?? null));
  }
}
