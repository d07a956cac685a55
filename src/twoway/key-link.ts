// A link between two records of one key that are read in different flushes. An app write whose stamp was refused
// at the end of a flush's run for its key leaves something for the key's next record to finish: the version that
// write had replaced, which a later app write replaced in turn ('over': it becomes that write's predecessor), or
// which the other side's delete took the table below ('gone': the version is put back). The next record is in the
// stream already when the link is made (it is what refused the stamp), but may be read by a later flush, after a
// restart, or by another worker once the shard's lease moved: so a link is kept as an item of the side's tombstone
// table, under a key no tombstone can have, written before its flush ends (so before its checkpoint), and read
// with the tombstones of the flush that meets the key's next record.
//
// A link holds only for the record it was made for: one whose old image is the refused write's content. The first
// record to take it writes its own sequence number into it; a replay of that record takes it again, any other
// record ignores it. Links expire with the tombstones' horizon: the record they wait for is read long before.
import type { UpdateItemCommandInput } from '@aws-sdk/client-dynamodb';
import { itemKey } from '../buffer/item-key.js';
import type { Item } from '../stream/change-record.js';
import type { ChangeImages } from './echo.js';
import { digestOf, matchesItsStamp, type Markers } from './markers.js';
import { TOMBSTONE } from './tombstone.js';

export type KeyLinkKind = 'gone' | 'over';

export interface KeyLink {
  readonly kind: KeyLinkKind;
  /** The digest of the refused write's content: the old image of the record the link is for. */
  readonly follows: string;
  /** The version the refused write had replaced. */
  readonly replaced: Item;
  /** The sequence number of the record that took the link, once one did. */
  readonly takenBy?: string | undefined;
}

/**
 * The attributes of a link item. Its key starts with a character no canonical item key starts with (item-key.ts:
 * S, N, B or `[`), so a link never meets a tombstone; its `exp` is the tombstones' TTL attribute.
 */
export const LINK = {
  prefix: '~',
  kind: 'g',
  follows: 'd',
  replaced: 'r',
  takenBy: 'by',
  expires: TOMBSTONE.expires,
  itemKeys: 'lk',
} as const;

/** The tombstone table's key of the link of an item key. */
export function linkKey(keys: Item, keyAttributes: readonly string[]): Item {
  return { [TOMBSTONE.key]: { S: `${LINK.prefix}${itemKey(keys, keyAttributes)}` } };
}

/** Whether an item of a tombstone table is a link, not a tombstone. */
export function isLinkItem(item: Item): boolean {
  return item[TOMBSTONE.key]?.S?.startsWith(LINK.prefix) === true;
}

/** Writes a link, replacing any earlier one of the key (a link taken already included). */
export function writeLink(
  tombstoneTable: string,
  keys: Item,
  keyAttributes: readonly string[],
  link: Omit<KeyLink, 'takenBy'>,
  nowMs: number,
  horizonMs: number,
): UpdateItemCommandInput {
  return {
    TableName: tombstoneTable,
    Key: linkKey(keys, keyAttributes),
    UpdateExpression: 'SET #g = :g, #d = :d, #r = :r, #exp = :exp, #lk = :lk REMOVE #by',
    ExpressionAttributeNames: {
      '#g': LINK.kind,
      '#d': LINK.follows,
      '#r': LINK.replaced,
      '#exp': LINK.expires,
      '#lk': LINK.itemKeys,
      '#by': LINK.takenBy,
    },
    ExpressionAttributeValues: {
      ':g': { S: link.kind },
      ':d': { S: link.follows },
      ':r': { M: link.replaced },
      ':exp': { N: String(Math.ceil((nowMs + horizonMs) / 1000)) },
      ':lk': { M: keys },
    },
  };
}

/** Marks a link as taken by the record `sequenceNumber`. */
export function takeLink(
  tombstoneTable: string,
  keys: Item,
  keyAttributes: readonly string[],
  sequenceNumber: string,
): UpdateItemCommandInput {
  return {
    TableName: tombstoneTable,
    Key: linkKey(keys, keyAttributes),
    UpdateExpression: 'SET #by = :by',
    // Never re-create a link that expired meanwhile.
    ConditionExpression: 'attribute_exists(#d)',
    ExpressionAttributeNames: { '#by': LINK.takenBy, '#d': LINK.follows },
    ExpressionAttributeValues: { ':by': { S: sequenceNumber } },
  };
}

/** The link an item holds; undefined for no item, or one that is not a whole link. */
export function linkOf(item: Item | undefined): KeyLink | undefined {
  if (item === undefined) return undefined;
  const kind = item[LINK.kind]?.S;
  const follows = item[LINK.follows]?.S;
  const replaced = item[LINK.replaced]?.M;
  if ((kind !== 'gone' && kind !== 'over') || follows === undefined || replaced === undefined)
    return undefined;
  return { kind, follows, replaced, takenBy: item[LINK.takenBy]?.S };
}

/**
 * Whether a record may be the one a link waits for, so that its key's link is worth reading: a MODIFY over a
 * content that is not a stamped version (the refused write), into one that is not either (the app's next write,
 * or the other side's delete mark). A stamp's own record (into a stamped version) never is, so most records cost
 * no read.
 */
export function mayTakeLink(record: ChangeImages, markers: Markers): boolean {
  return (
    record.eventName === 'MODIFY' &&
    record.oldImage !== undefined &&
    record.newImage !== undefined &&
    !matchesItsStamp(record.oldImage, markers) &&
    !matchesItsStamp(record.newImage, markers)
  );
}

/** The link as `record` may use it: undefined when it was made for another record, or taken by another. */
export function linkFor(
  link: KeyLink | undefined,
  record: ChangeImages & { readonly sequenceNumber: string },
  markers: Markers,
): KeyLink | undefined {
  if (link === undefined || !mayTakeLink(record, markers) || record.oldImage === undefined) return undefined;
  if (link.takenBy !== undefined && link.takenBy !== record.sequenceNumber) return undefined;
  return digestOf(record.oldImage, markers) === link.follows ? link : undefined;
}
