// A scan position (LastEvaluatedKey, an AttributeValue map) as a JSON string for the lease table and back, so
// that a copy resumes exactly after the last saved page. Binary values (B, BS) are written as base64: the
// SDK hands them out as Uint8Array, which JSON.stringify would turn into an object of byte indexes.
import type { AttributeValue } from '@aws-sdk/client-dynamodb';

export type ScanKey = Record<string, AttributeValue>;

type JsonValue =
  | { S: string }
  | { N: string }
  | { B64: string }
  | { BOOL: boolean }
  | { NULL: true }
  | { SS: string[] }
  | { NS: string[] }
  | { BS64: string[] }
  | { L: JsonValue[] }
  | { M: Record<string, JsonValue> };

export function encodeScanKey(key: ScanKey): string {
  return JSON.stringify(mapValues(key, toJson));
}

export function decodeScanKey(json: string): ScanKey {
  const parsed: unknown = JSON.parse(json);
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new TypeError(`not a saved scan key: ${json.slice(0, 80)}`);
  }
  return mapValues(parsed as Record<string, JsonValue>, fromJson);
}

function mapValues<A, B>(map: Record<string, A>, f: (value: A) => B): Record<string, B> {
  return Object.fromEntries(Object.entries(map).map(([name, value]) => [name, f(value)]));
}

const base64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64');
const bytes = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, 'base64'));

function toJson(value: AttributeValue): JsonValue {
  if (value.S !== undefined) return { S: value.S };
  if (value.N !== undefined) return { N: value.N };
  if (value.B !== undefined) return { B64: base64(value.B) };
  if (value.BOOL !== undefined) return { BOOL: value.BOOL };
  if (value.NULL !== undefined) return { NULL: true };
  if (value.SS !== undefined) return { SS: [...value.SS] };
  if (value.NS !== undefined) return { NS: [...value.NS] };
  if (value.BS !== undefined) return { BS64: value.BS.map(base64) };
  if (value.L !== undefined) return { L: value.L.map(toJson) };
  if (value.M !== undefined) return { M: mapValues(value.M, toJson) };
  throw new TypeError(`cannot save an attribute value of type ${Object.keys(value).join(',')}`);
}

function fromJson(value: JsonValue): AttributeValue {
  if ('S' in value) return { S: value.S };
  if ('N' in value) return { N: value.N };
  if ('B64' in value) return { B: bytes(value.B64) };
  if ('BOOL' in value) return { BOOL: value.BOOL };
  if ('NULL' in value) return { NULL: true };
  if ('SS' in value) return { SS: value.SS };
  if ('NS' in value) return { NS: value.NS };
  if ('BS64' in value) return { BS: value.BS64.map(bytes) };
  if ('L' in value) return { L: value.L.map(fromJson) };
  if ('M' in value) return { M: mapValues(value.M, fromJson) };
  throw new TypeError(`not a saved attribute value: ${JSON.stringify(value)}`);
}
