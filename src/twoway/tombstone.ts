// A tombstone: one item per deleted key in a table of ours, holding the delete's stamp, so that a put older than
// the delete that arrives after it (from the other side, late) loses instead of bringing the item back. One
// tombstone table per side, in that side's account and region, because a put is made conditional on the
// tombstone inside a transaction, and a transaction cannot span accounts or regions. Tombstones expire (DynamoDB
// TTL on `exp`) a horizon after the delete: longer than the stream's retention plus the longest lag, 48 h by
// default. A put older than a delete that arrives after its tombstone expired re-creates the item on that side.
import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';
import { itemKey } from '../buffer/item-key.js';
import type { Item } from '../stream/change-record.js';
import { parseStamp } from './version-stamp.js';

export const DEFAULT_TOMBSTONE_HORIZON_MS = 48 * 60 * 60 * 1000;

/** Attributes of a tombstone item. */
export const TOMBSTONE = {
  /** Hash key: the deleted item's key in canonical form (item-key.ts). */
  key: 'k',
  /** The delete's stamp. */
  stamp: 'v',
  /** Epoch seconds after which DynamoDB's TTL may remove the tombstone. */
  expires: 'exp',
  /** The deleted item's key as it was, for people reading the table. */
  itemKeys: 'keys',
  /** The stream record of the app's delete it stands for (side and sequence number): a replay reuses its stamp. */
  origin: 'src',
} as const;

/** The tombstone table's key for an item key. */
export function tombstoneKey(keys: Item, keyAttributes: readonly string[]): Item {
  return { [TOMBSTONE.key]: { S: itemKey(keys, keyAttributes) } };
}

/** When a tombstone of a delete stamped `stamp` may expire, in epoch seconds (DynamoDB TTL's unit). */
export function tombstoneExpiry(stamp: string, horizonMs: number = DEFAULT_TOMBSTONE_HORIZON_MS): number {
  const version = parseStamp(stamp);
  if (version === undefined) throw new TypeError(`not a version stamp: ${stamp}`);
  if (!Number.isSafeInteger(horizonMs) || horizonMs <= 0) {
    throw new RangeError(`tombstone horizon must be a positive number of ms, not ${horizonMs}`);
  }
  return Math.ceil((version.ms + horizonMs) / 1000);
}

export function tombstoneItem(
  keys: Item,
  keyAttributes: readonly string[],
  stamp: string,
  horizonMs: number = DEFAULT_TOMBSTONE_HORIZON_MS,
): Item {
  return {
    ...tombstoneKey(keys, keyAttributes),
    [TOMBSTONE.stamp]: { S: stamp },
    [TOMBSTONE.expires]: { N: String(tombstoneExpiry(stamp, horizonMs)) },
    [TOMBSTONE.itemKeys]: { M: keys },
  };
}

/** The tombstone table (on-demand; its TTL on `exp` is set separately, UpdateTimeToLive). */
export function tombstoneTableInput(tableName: string): CreateTableCommandInput {
  return {
    TableName: tableName,
    AttributeDefinitions: [{ AttributeName: TOMBSTONE.key, AttributeType: 'S' }],
    KeySchema: [{ AttributeName: TOMBSTONE.key, KeyType: 'HASH' }],
    BillingMode: 'PAY_PER_REQUEST',
  };
}
