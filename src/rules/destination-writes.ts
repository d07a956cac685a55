// Rules between the squash buffer and the writer: a flush (one change per source key, carrying the changes it
// replaced) becomes the puts and deletes of one destination. The destination holds exactly the source items whose
// change matches the filter, as the transform makes them. An item that stops matching, or whose transformed key
// moved, is deleted wherever the destination may still hold it: any state of the key since the checkpoint may
// have been written before a crash (a replay starts there), so every image of the run is a place to clean up.
// Deletes in doubt are harmless (idempotent); a missed delete would leave an item the source no longer has.
import type { WriteRequest } from '@aws-sdk/client-dynamodb';
import { itemKey } from '../buffer/item-key.js';
import type { ChangeRecord, Item } from '../stream/change-record.js';
import type { RecordView } from './filter-pattern.js';
import { callTransform, TransformError } from './transform-call.js';
import type { ImageTransform } from './transform-module.js';

export type TtlDeletes = 'replicate' | 'skip';

export interface RecordFilter {
  readonly matches: (record: RecordView) => boolean;
  /** The pattern reads only Keys and NewImage, so an old image can be tested as the state it was. */
  readonly imageOnly: boolean;
}

export interface DestinationRules {
  readonly sourceTable: string;
  readonly destinationTable: string;
  readonly filter: RecordFilter | undefined;
  /** The module and the built-in attribute rules, composed. */
  readonly transform: ImageTransform | undefined;
  /** The module said it changes keys (export const changesKey = true). */
  readonly changesKey: boolean;
  readonly ttlDeletes: TtlDeletes;
  readonly sourceKeyAttributes: readonly string[];
  readonly destinationKeyAttributes: readonly string[];
  /** Source key attribute -> its destination name (--rename-attributes of a key attribute). */
  readonly keyRenames: ReadonlyMap<string, string>;
}

export interface PlannedWrites {
  /** At most one write per destination key. */
  readonly requests: WriteRequest[];
  readonly puts: number;
  readonly deletes: number;
  /** Changes whose new image the filter (or a transform returning null) kept out of the destination. */
  readonly filteredOut: number;
  readonly ttlReplicated: number;
  readonly ttlSkipped: number;
}

interface Tally {
  filteredOut: number;
  ttlReplicated: number;
  ttlSkipped: number;
}

export async function planDestinationWrites(
  changes: readonly ChangeRecord[],
  rules: DestinationRules,
): Promise<PlannedWrites> {
  const writes = new Map<string, WriteRequest>();
  const tally: Tally = { filteredOut: 0, ttlReplicated: 0, ttlSkipped: 0 };
  for (const change of changes) await planKey(change, rules, writes, tally);
  const requests = [...writes.values()];
  let puts = 0;
  for (const request of requests) if (request.PutRequest !== undefined) puts += 1;
  return { requests, puts, deletes: requests.length - puts, ...tally };
}

export interface RefusedChange {
  readonly change: ChangeRecord;
  readonly error: TransformError;
}

export interface OwnedWrites extends PlannedWrites {
  /** The source change each request comes from, so that a refused write names the change to dead-letter. */
  readonly owners: Map<WriteRequest, ChangeRecord>;
  /** Changes the transform threw on, or whose key it moved illegally: none of their writes is planned. */
  readonly refused: RefusedChange[];
}

/**
 * planDestinationWrites for dead-letter mode: a TransformError refuses its change only, and each request
 * remembers its change. The same merge as one shared map: a later put wins, a delete never replaces a put.
 */
export async function planOwnedWrites(
  changes: readonly ChangeRecord[],
  rules: DestinationRules,
): Promise<OwnedWrites> {
  const writes = new Map<string, WriteRequest>();
  const owners = new Map<WriteRequest, ChangeRecord>();
  const refused: RefusedChange[] = [];
  const tally: Tally = { filteredOut: 0, ttlReplicated: 0, ttlSkipped: 0 };
  for (const change of changes) {
    const own = new Map<string, WriteRequest>();
    const ownTally: Tally = { filteredOut: 0, ttlReplicated: 0, ttlSkipped: 0 };
    try {
      await planKey(change, rules, own, ownTally);
    } catch (err) {
      if (!(err instanceof TransformError)) throw err;
      refused.push({ change, error: err });
      continue;
    }
    tally.filteredOut += ownTally.filteredOut;
    tally.ttlReplicated += ownTally.ttlReplicated;
    tally.ttlSkipped += ownTally.ttlSkipped;
    for (const [text, request] of own) {
      if (request.PutRequest === undefined && writes.get(text)?.PutRequest !== undefined) continue;
      const replaced = writes.get(text);
      if (replaced !== undefined) owners.delete(replaced);
      writes.set(text, request);
      owners.set(request, change);
    }
  }
  const requests = [...writes.values()];
  let puts = 0;
  for (const request of requests) if (request.PutRequest !== undefined) puts += 1;
  return { requests, puts, deletes: requests.length - puts, ...tally, owners, refused };
}

async function planKey(
  change: ChangeRecord,
  rules: DestinationRules,
  writes: Map<string, WriteRequest>,
  tally: Tally,
): Promise<void> {
  let run: readonly ChangeRecord[] = change.earlier === undefined ? [change] : [...change.earlier, change];
  const ttl = countTtl(run);
  if (ttl > 0 && rules.ttlDeletes === 'skip') {
    // As if the TTL delete had not happened: the destination keeps the item's last image (an archive).
    tally.ttlSkipped += ttl;
    run = run.filter((record) => record.ttlDelete !== true);
  } else {
    tally.ttlReplicated += ttl;
  }
  const final = run.at(-1);
  if (final === undefined) return;

  let putKey: string | undefined;
  if (final.newImage !== undefined) {
    const image = passes(final, rules) ? await transformed(final.newImage, final, rules) : null;
    if (image === null) {
      tally.filteredOut += 1;
    } else {
      const key = destinationKey(image, final, rules);
      putKey = itemKey(key, rules.destinationKeyAttributes);
      writes.set(putKey, { PutRequest: { Item: image } });
    }
  }

  if (!rules.changesKey) {
    // The destination key is the source key (renamed): one place to clean up, if any state may be there.
    if (putKey !== undefined || !mayHaveBeenWritten(run, rules)) return;
    const key = renamedKey(change.keys, rules);
    addDelete(writes, itemKey(key, rules.destinationKeyAttributes), key);
    return;
  }
  for (const [image, record] of earlierStates(run)) {
    if (!passesAsState(image, record, rules)) continue;
    const before = await transformed(image, record, rules);
    if (before === null) continue;
    const key = destinationKey(before, record, rules);
    const text = itemKey(key, rules.destinationKeyAttributes);
    if (text !== putKey) addDelete(writes, text, key);
  }
}

function countTtl(run: readonly ChangeRecord[]): number {
  let count = 0;
  for (const record of run) if (record.ttlDelete === true) count += 1;
  return count;
}

/** A put wins over a delete of the same destination key: two source keys mapped to one have no order. */
function addDelete(writes: Map<string, WriteRequest>, text: string, key: Item): void {
  if (writes.get(text)?.PutRequest !== undefined) return;
  writes.set(text, { DeleteRequest: { Key: key } });
}

function passes(record: ChangeRecord, rules: DestinationRules): boolean {
  const filter = rules.filter;
  if (filter === undefined) return true;
  return filter.matches({
    eventName: record.eventName,
    dynamodb: { Keys: record.keys, NewImage: record.newImage, OldImage: record.oldImage },
  });
}

/** Whether the item's state before the run (its old image) was in the subset; in doubt, yes. */
function passesAsState(image: Item, record: ChangeRecord, rules: DestinationRules): boolean {
  const filter = rules.filter;
  if (filter === undefined) return true;
  if (!filter.imageOnly) return true;
  return filter.matches({ dynamodb: { Keys: record.keys, NewImage: image } });
}

/**
 * The images the destination may hold for this key from before the final change: the state before the run
 * (the first change's old image) and each replaced change's new image that passed the filter.
 */
function earlierStates(run: readonly ChangeRecord[]): [Item, ChangeRecord][] {
  const states: [Item, ChangeRecord][] = [];
  const first = run[0];
  if (first?.oldImage !== undefined) states.push([first.oldImage, first]);
  for (const record of run.slice(0, -1)) {
    if (record.newImage !== undefined) states.push([record.newImage, record]);
  }
  return states;
}

function mayHaveBeenWritten(run: readonly ChangeRecord[], rules: DestinationRules): boolean {
  const first = run[0];
  if (first === undefined) return false;
  if (first.eventName !== 'INSERT') {
    // The state before the run: unknown on a NEW_IMAGE stream, so in doubt.
    if (first.oldImage === undefined) return true;
    if (passesAsState(first.oldImage, first, rules)) return true;
  }
  for (const record of run.slice(0, -1)) {
    if (record.newImage !== undefined && passes(record, rules)) return true;
  }
  return false;
}

async function transformed(image: Item, record: ChangeRecord, rules: DestinationRules): Promise<Item | null> {
  const transform = rules.transform;
  if (transform === undefined) return image;
  const context = {
    sourceTable: rules.sourceTable,
    destinationTable: rules.destinationTable,
    eventName: record.eventName,
    oldImage: record.oldImage,
  };
  // The key is described only when the call fails: no JSON per record on the way.
  const out = callTransform(transform, image, context, () => JSON.stringify(record.keys));
  return out instanceof Promise ? await out : out;
}

/**
 * Whether each destination key value plainly equals the source key's (what a transform that leaves the key alone,
 * and a rename, hand on): the common case, checked without encoding either key.
 */
function sameValues(key: Item, sourceKeys: Item, rules: DestinationRules): boolean {
  for (const name of rules.sourceKeyAttributes) {
    const value = key[rules.keyRenames.get(name) ?? name];
    const source = sourceKeys[name];
    if (value === source) continue;
    // Same text is the same key; anything else (binary, a number spelt otherwise) takes the full comparison.
    if (value?.S !== undefined ? value.S !== source?.S : value?.N === undefined || value.N !== source?.N)
      return false;
  }
  return true;
}

function renamedKey(keys: Item, rules: DestinationRules): Item {
  if (rules.keyRenames.size === 0) return keys;
  const renamed: Item = {};
  for (const name of rules.sourceKeyAttributes) {
    const value = keys[name];
    if (value !== undefined) renamed[rules.keyRenames.get(name) ?? name] = value;
  }
  return renamed;
}

/** The destination key of a transformed image; a transform that moved the key without saying so is refused. */
function destinationKey(image: Item, record: ChangeRecord, rules: DestinationRules): Item {
  const key: Item = {};
  for (const name of rules.destinationKeyAttributes) {
    const value = image[name];
    if (value === undefined) {
      throw new TransformError(
        `the image to write for source key ${JSON.stringify(record.keys)} has no destination key attribute ${name}: the transform or --exclude-attributes dropped it`,
      );
    }
    key[name] = value;
  }
  if (!rules.changesKey && rules.transform !== undefined && !sameValues(key, record.keys, rules)) {
    const expected = renamedKey(record.keys, rules);
    if (itemKey(expected, rules.destinationKeyAttributes) !== itemKey(key, rules.destinationKeyAttributes)) {
      throw new TransformError(
        `the transform changed source key ${JSON.stringify(record.keys)} to ${JSON.stringify(key)}: a transform that changes keys must say so with export const changesKey = true`,
      );
    }
  }
  return key;
}
