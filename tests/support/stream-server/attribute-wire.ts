// Items as they travel in the DynamoDB JSON protocol: the SDK's AttributeValue with binary values (B, BS) as
// base64 strings. Records are converted once, when they are appended, so that serving a page of them is a
// plain JSON.stringify; the approximate size is measured on the same form.
import type { AttributeValue } from '@aws-sdk/client-dynamodb-streams';

/** One attribute value in wire form (JSON-ready). */
export type WireValue =
  | { S: string }
  | { N: string }
  | { B: string }
  | { SS: string[] }
  | { NS: string[] }
  | { BS: string[] }
  | { M: WireItem }
  | { L: WireValue[] }
  | { NULL: boolean }
  | { BOOL: boolean };

export type WireItem = Record<string, WireValue>;

/** An item as the SDK clients (DynamoDB and DynamoDB Streams) hand it around. */
export type Item = Record<string, AttributeValue>;

export function toWireItem(item: Item): WireItem {
  const out: WireItem = {};
  for (const [name, value] of Object.entries(item)) out[name] = toWireValue(value);
  return out;
}

function base64(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64');
}

export function toWireValue(value: AttributeValue): WireValue {
  if (value.S !== undefined) return { S: value.S };
  if (value.N !== undefined) return { N: value.N };
  if (value.B !== undefined) return { B: base64(value.B) };
  if (value.SS !== undefined) return { SS: [...value.SS] };
  if (value.NS !== undefined) return { NS: [...value.NS] };
  if (value.BS !== undefined) return { BS: value.BS.map(base64) };
  if (value.M !== undefined) return { M: toWireItem(value.M) };
  if (value.L !== undefined) return { L: value.L.map(toWireValue) };
  if (value.NULL !== undefined) return { NULL: value.NULL };
  if (value.BOOL !== undefined) return { BOOL: value.BOOL };
  // A value of an unknown type would be served as garbage and fail far away, in the replicator's writer.
  throw new TypeError(`unsupported attribute value: ${JSON.stringify(value)}`);
}

/** Approximate size in bytes of a record's payload, as AWS reports SizeBytes (names plus values). */
export function wireSizeBytes(...items: readonly (WireItem | undefined)[]): number {
  let size = 0;
  for (const item of items) if (item !== undefined) size += Buffer.byteLength(JSON.stringify(item));
  return size;
}
