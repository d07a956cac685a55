// A digest of an item's own attributes (the markers left out), stored beside its version stamp. It is what makes
// the echo decision exact against apps that copy the markers: a copy whose content differs from what the stamp
// was given to no longer matches its digest, so it counts as the app's write however the race between reading
// and writing went (echo.ts). Two images that DynamoDB holds as equal give one digest: numbers normalised
// ("1.50" is "1.5"), sets in any order, map attributes in any order.
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { createHash } from 'node:crypto';
import { normalizeNumber } from '../buffer/item-key.js';
import type { Item } from '../stream/change-record.js';

/** The digest's length in base64url characters (128 bits). */
export const DIGEST_LENGTH = 22;

type Canonical = string | boolean | null | Canonical[];

function sortedUnique(values: readonly string[]): string[] {
  return [...new Set(values)].sort();
}

function bytes(value: Uint8Array): string {
  return Buffer.from(value).toString('base64');
}

function canonical(value: AttributeValue): Canonical {
  if (value.S !== undefined) return ['S', value.S];
  if (value.N !== undefined) return ['N', normalizeNumber(value.N)];
  if (value.B !== undefined) return ['B', bytes(value.B)];
  if (value.BOOL !== undefined) return ['BOOL', value.BOOL];
  if (value.NULL !== undefined) return ['NULL', true];
  if (value.SS !== undefined) return ['SS', ...sortedUnique(value.SS)];
  if (value.NS !== undefined) return ['NS', ...sortedUnique(value.NS.map(normalizeNumber))];
  if (value.BS !== undefined) return ['BS', ...sortedUnique(value.BS.map(bytes))];
  if (value.L !== undefined) return ['L', ...value.L.map(canonical)];
  if (value.M !== undefined) return ['M', ...canonicalEntries(value.M, new Set())];
  throw new TypeError(`attribute value of no known type: ${Object.keys(value).join(',')}`);
}

function canonicalEntries(map: Record<string, AttributeValue>, skip: ReadonlySet<string>): Canonical[] {
  return Object.entries(map)
    .filter(([name]) => !skip.has(name))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, value]) => [name, canonical(value)]);
}

/** The digest of the image's attributes other than `skip` (the marker attributes). */
export function contentDigest(image: Item, skip: readonly string[]): string {
  const text = JSON.stringify(canonicalEntries(image, new Set(skip)));
  return createHash('sha256').update(text).digest('base64url').slice(0, DIGEST_LENGTH);
}
