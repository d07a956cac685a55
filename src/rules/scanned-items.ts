// Rules applied to items read by a scan rather than to changes: the bootstrap copy writes each scanned item, and
// verify compares the destination with what the rules make of each source item. A scanned item is an INSERT with
// no earlier state, planned by the same planDestinationWrites as the stream's changes: a put of the transformed
// image when it passes the filter and the transform does not return null, else nothing. The transform sees
// eventName INSERT and no old image.
import type { WriteRequest } from '@aws-sdk/client-dynamodb';
import { itemKey } from '../buffer/item-key.js';
import type { ChangeRecord, Item } from '../stream/change-record.js';
import { planDestinationWrites, type DestinationRules, type PlannedWrites } from './destination-writes.js';

/** A scanned item as a change: the INSERT that would have brought it into the table. */
export function scannedChange(item: Item, keyAttributes: readonly string[]): ChangeRecord {
  const keys: Item = {};
  for (const name of keyAttributes) {
    const value = item[name];
    if (value !== undefined) keys[name] = value;
  }
  return {
    sequenceNumber: '',
    eventName: 'INSERT',
    keys,
    newImage: item,
    createdAtMs: undefined,
    sizeBytes: 0,
  };
}

/** The destination's puts for a page of scanned source items (no deletes: an INSERT replaces nothing). */
export function planScannedItems(items: readonly Item[], rules: DestinationRules): Promise<PlannedWrites> {
  return planDestinationWrites(
    items.map((item) => scannedChange(item, rules.sourceKeyAttributes)),
    rules,
  );
}

export interface ExpectedItems {
  /** The items the destination should hold for these source items, in the destination's attribute names. */
  readonly present: Item[];
  /** The destination keys of the source items the rules leave out: the destination should hold nothing there. */
  readonly absent: Item[];
}

/**
 * What the destination should hold for a page of source items. Only for rules that keep keys (no changesKey):
 * each source item then has exactly one destination key, its own with key attributes renamed.
 */
export async function expectedItems(items: readonly Item[], rules: DestinationRules): Promise<ExpectedItems> {
  if (rules.changesKey)
    throw new RangeError('expectedItems: a transform that changes keys has no one key per item');
  const planned = await planScannedItems(items, rules);
  const present = puts(planned.requests);
  if (present.length === items.length) return { present, absent: [] };
  // itemKey encodes the values only, in key order, so a source key and its renamed key give the same string.
  const written = new Set(present.map((item) => itemKey(item, rules.destinationKeyAttributes)));
  const absent: Item[] = [];
  for (const item of items) {
    if (!written.has(itemKey(item, rules.sourceKeyAttributes))) absent.push(destinationKeyOf(item, rules));
  }
  return { present, absent };
}

/** The destination item for one source item (undefined: none, or no source item). */
export async function expectedItem(
  item: Item | undefined,
  rules: DestinationRules,
): Promise<Item | undefined> {
  if (item === undefined) return undefined;
  return (await expectedItems([item], rules)).present[0];
}

/** A source item's (or key's) destination key: its key attributes, renamed by --rename-attributes. */
export function destinationKeyOf(item: Item, rules: DestinationRules): Item {
  const key: Item = {};
  for (const name of rules.sourceKeyAttributes) {
    const value = item[name];
    if (value === undefined) throw new TypeError(`key attribute ${name} is missing from an item`);
    key[rules.keyRenames.get(name) ?? name] = value;
  }
  return key;
}

/** A destination key's source key: the renames of key attributes undone. */
export function sourceKeyOf(key: Item, rules: DestinationRules): Item {
  const source: Item = {};
  for (const name of rules.sourceKeyAttributes) {
    const value = key[rules.keyRenames.get(name) ?? name];
    if (value === undefined) throw new TypeError(`key attribute ${name} is missing from a destination key`);
    source[name] = value;
  }
  return source;
}

function puts(requests: readonly WriteRequest[]): Item[] {
  const items: Item[] = [];
  for (const request of requests) {
    const item = request.PutRequest?.Item;
    if (item !== undefined) items.push(item);
  }
  return items;
}
