// Routes an item to a shard the way DynamoDB does, by its partition key alone: the MD5 of the partition key
// value, read as an unsigned 32-bit number, falls into the hash range of exactly one open shard. A key thus
// stays in one shard until that shard splits, and then moves to one child: per-key order holds in the lineage.
import { createHash } from 'node:crypto';
import type { WireItem } from './attribute-wire.js';

/** Hash values are in [0, HASH_SPACE). */
export const HASH_SPACE = 2 ** 32;

export interface HashRange {
  /** Inclusive. */
  readonly low: number;
  /** Exclusive. */
  readonly high: number;
}

export function partitionHash(keys: WireItem, partitionKeyName: string): number {
  const value = keys[partitionKeyName];
  if (value === undefined) {
    throw new TypeError(`record keys ${JSON.stringify(keys)} lack the partition key ${partitionKeyName}`);
  }
  return createHash('md5').update(JSON.stringify(value)).digest().readUInt32BE(0);
}

/** `count` adjacent ranges that together cover `range`. */
export function splitRange(range: HashRange, count: number): HashRange[] {
  const width = range.high - range.low;
  if (!Number.isInteger(count) || count < 1 || count > width) {
    throw new RangeError(`cannot split hash range [${range.low}, ${range.high}) into ${count} parts`);
  }
  const ranges: HashRange[] = [];
  for (let i = 0; i < count; i++) {
    ranges.push({
      low: range.low + Math.floor((width * i) / count),
      high: range.low + Math.floor((width * (i + 1)) / count),
    });
  }
  return ranges;
}

export function inRange(range: HashRange, hash: number): boolean {
  return hash >= range.low && hash < range.high;
}
