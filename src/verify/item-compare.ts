// Pure: when two DynamoDB items are the same item. Each item becomes a canonical string in which attribute order
// and set order do not matter, numbers compare by value (DynamoDB Local keeps "1.30" after arithmetic where a put
// stores "1.3") and binary by its bytes; list order and attribute types do matter. An absent item has its own
// image, so "missing", "extra" and "different" all come down to comparing two images.
import { createHash } from 'node:crypto';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { normalizeNumber } from '../buffer/item-key.js';

export type Item = Record<string, AttributeValue>;

export type DiffKind = 'missing' | 'extra' | 'different';

/** The image of an item that does not exist (a canonical item always starts with '{'). */
export const ABSENT = 'absent';

/** A string equal for two items exactly when DynamoDB holds the same item; ABSENT for no item. */
export function canonicalImage(item: Item | undefined): string {
  return item === undefined ? ABSENT : JSON.stringify(canonicalValue({ M: item }));
}

/**
 * A cheap first test, much faster than two canonical images (verify pairs every item of two equal tables): the
 * same attribute names with values exactly as read (strings and numbers compared as they are, anything else by
 * its JSON) are the same item. false proves nothing (set order, number spelling): then compare canonical images.
 */
export function identicalAsRead(a: Item, b: Item): boolean {
  const names = Object.keys(a);
  if (names.length !== Object.keys(b).length) return false;
  for (const name of names) {
    const x = a[name];
    const y = b[name];
    if (x === undefined || y === undefined) return false;
    // An AttributeValue has exactly one member set: equal S (or N) means the same type and value.
    if (x.S !== undefined) {
      if (x.S !== y.S) return false;
    } else if (x.N !== undefined) {
      if (x.N !== y.N) return false;
    } else if (JSON.stringify(x) !== JSON.stringify(y)) {
      return false;
    }
  }
  return true;
}

/** A short fixed-size stand-in for an image, for remembering many of them. */
export function imageDigest(image: string): string {
  return image === ABSENT ? ABSENT : createHash('sha256').update(image).digest('base64');
}

/** undefined when the destination holds the source's item (or neither holds it). */
export function classifyPair(source: Item | undefined, destination: Item | undefined): DiffKind | undefined {
  if (source === undefined) return destination === undefined ? undefined : 'extra';
  if (destination === undefined) return 'missing';
  return canonicalImage(source) === canonicalImage(destination) ? undefined : 'different';
}

/** Kind of difference between two images (as canonicalImage gives them). */
export function kindOfImages(source: string, destination: string): DiffKind | undefined {
  if (source === destination) return undefined;
  if (source === ABSENT) return 'extra';
  return destination === ABSENT ? 'missing' : 'different';
}

/** Names of the top-level attributes whose values differ (or that only one item has), sorted. */
export function differingAttributes(source: Item, destination: Item): string[] {
  const names = new Set([...Object.keys(source), ...Object.keys(destination)]);
  return [...names]
    .filter((name) => {
      const a = source[name];
      const b = destination[name];
      if (a === undefined || b === undefined) return a !== b;
      return JSON.stringify(canonicalValue(a)) !== JSON.stringify(canonicalValue(b));
    })
    .sort();
}

/** The primary key of an item: its key attributes only. */
export function keyOfItem(item: Item, keyAttributes: readonly string[]): Item {
  const key: Item = {};
  for (const name of keyAttributes) {
    const value = item[name];
    if (value === undefined) throw new TypeError(`key attribute ${name} is missing from an item`);
    key[name] = value;
  }
  return key;
}

function base64(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64');
}

function canonicalValue(value: AttributeValue): unknown {
  if (value.M !== undefined) {
    const map = value.M;
    return {
      M: Object.keys(map)
        .sort()
        .map((name) => {
          const inner = map[name];
          return [name, inner === undefined ? null : canonicalValue(inner)];
        }),
    };
  }
  if (value.L !== undefined) return { L: value.L.map(canonicalValue) };
  if (value.S !== undefined) return { S: value.S };
  if (value.N !== undefined) return { N: normalizeNumber(value.N) };
  if (value.B !== undefined) return { B: base64(value.B) };
  if (value.SS !== undefined) return { SS: [...value.SS].sort() };
  if (value.NS !== undefined) return { NS: value.NS.map(normalizeNumber).sort() };
  if (value.BS !== undefined) return { BS: value.BS.map(base64).sort() };
  if (value.BOOL !== undefined) return { BOOL: value.BOOL };
  if (value.NULL !== undefined) return { NULL: value.NULL };
  // $unknown: a type newer than this SDK; compare it as it came.
  return value;
}
