// Pure: the spool table's items (spool mode, see spool-sink.ts). One item per source key, keyed by a digest of the
// key (`k`, so any key schema fits one hash key): the latest change the consumers saw, as the key, the change's
// sequence number, the drain generation it was spooled in (`g`) and either the new image, a delete marker (a
// delete is remembered, never applied to the spool by deleting), or for an image close to DynamoDB's 400 KB item
// limit a pointer (the drain then reads the source's item as it is by then).
import { createHash } from 'node:crypto';
import type { AttributeValue, WriteRequest } from '@aws-sdk/client-dynamodb';
import type { BootstrapState } from '../bootstrap/bootstrap-items.js';
import { itemSizeBytes } from '../bootstrap/item-size.js';
import type { ChangeRecord, Item } from '../stream/change-record.js';

export const SPOOL_KEY = 'k';

/**
 * 1: spooled during the copy; 2: during the first drain; 3: during the switch (the second drain re-drains every
 * item of generation 2 or 3). Undefined once the task is done: the consumers write the destination only.
 */
export type SpoolGeneration = 1 | 2 | 3;

/** An image larger than this is spooled as a pointer: the spool item's own attributes must still fit. */
export const POINTER_ABOVE_BYTES = 350_000;

export function generationOf(state: BootstrapState): SpoolGeneration | undefined {
  switch (state) {
    case 'draining':
      return 2;
    case 'switching':
      return 3;
    case 'done':
      return undefined;
    default:
      return 1;
  }
}

/** The digest a key is spooled under (the same for equal keys, whatever the order of their attributes). */
export function spoolKeyOf(keys: Item): string {
  const canonical = Object.keys(keys)
    .sort()
    .map((name) => [name, canonicalValue(keys[name])]);
  return createHash('sha256').update(JSON.stringify(canonical)).digest('base64url');
}

function canonicalValue(value: AttributeValue | undefined): unknown {
  if (value?.S !== undefined) return { S: value.S };
  if (value?.N !== undefined) return { N: value.N };
  if (value?.B !== undefined) return { B: Buffer.from(value.B).toString('base64') };
  return value;
}

/** The spool write of one change (a put of its spool item). */
export function spoolWrite(change: ChangeRecord, generation: SpoolGeneration): WriteRequest {
  const item: Record<string, AttributeValue> = {
    [SPOOL_KEY]: { S: spoolKeyOf(change.keys) },
    key: { M: change.keys },
    seq: { S: change.sequenceNumber },
    g: { N: String(generation) },
  };
  const image = change.eventName === 'REMOVE' ? undefined : change.newImage;
  if (image === undefined) item.del = { BOOL: true };
  else if (itemSizeBytes(image) > POINTER_ABOVE_BYTES) item.ptr = { BOOL: true };
  else item.img = { M: image };
  return { PutRequest: { Item: item } };
}

/** What a spool item asks of the destination: a put, a delete, or a read of the source's item (a pointer). */
export type SpooledChange =
  | { readonly kind: 'put'; readonly item: Item }
  | { readonly kind: 'delete'; readonly key: Item }
  | { readonly kind: 'pointer'; readonly key: Item };

export function spooledChange(item: Record<string, AttributeValue>): SpooledChange {
  const key = item.key?.M;
  if (key === undefined) throw new TypeError(`spool item ${item[SPOOL_KEY]?.S ?? '?'} has no key`);
  if (item.del?.BOOL === true) return { kind: 'delete', key };
  if (item.ptr?.BOOL === true) return { kind: 'pointer', key };
  const image = item.img?.M;
  if (image === undefined) throw new TypeError(`spool item ${item[SPOOL_KEY]?.S ?? '?'} has no image`);
  return { kind: 'put', item: image };
}

export function generationOfItem(item: Record<string, AttributeValue>): number {
  return Number(item.g?.N ?? '0');
}
