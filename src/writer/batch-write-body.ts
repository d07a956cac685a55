// The body of a BatchWriteItem request, the writer's hottest output: 25 items a request, thousands of requests
// in a catch-up. Stream images reach the writer in the wire's own JSON shape (stream-codec.ts keeps the parsed
// values), so a body whose attribute values are all JSON-native (strings, numbers as strings, booleans, lists,
// maps; binary already base64 text) is exactly JSON.stringify of the input, without the SDK's per-byte schema
// writer, which a catch-up profile showed as the largest part of serializing. Anything else (bytes, a BS set,
// null members, an unknown member) goes to the SDK's own serializer unchanged, as every other operation does.
import { BatchWriteItemInput$ } from '@aws-sdk/client-dynamodb';

/** The part of the SDK's shape serializer the protocol calls: write, then flush at once. */
export interface ShapeSerializer {
  write(schema: unknown, value: unknown): void;
  flush(): unknown;
  setSerdeContext(context: unknown): void;
}

/** Pure: true when JSON.stringify of `value` is its DynamoDB JSON (no bytes, no BS set, no null member). */
export function isJsonNativeValue(value: unknown): boolean {
  if (value === null || typeof value !== 'object') return false;
  const av = value as Record<string, unknown>;
  for (const key in av) {
    const member = av[key];
    switch (key) {
      case 'S':
      case 'N':
      case 'B': // base64 text: the SDK writes a string B as it is too
        if (typeof member !== 'string') return false;
        break;
      case 'BOOL':
      case 'NULL':
        if (typeof member !== 'boolean') return false;
        break;
      case 'SS':
      case 'NS':
        if (!Array.isArray(member) || !member.every((element) => typeof element === 'string')) return false;
        break;
      case 'L':
        if (!Array.isArray(member) || !member.every(isJsonNativeValue)) return false;
        break;
      case 'M':
        if (!isJsonNativeItem(member)) return false;
        break;
      default:
        // BS (the SDK base64-encodes string elements), $unknown, or anything else: the SDK's way.
        return false;
    }
  }
  return true;
}

/** Pure: an item or key whose every attribute value is JSON-native. */
export function isJsonNativeItem(item: unknown): boolean {
  if (item === null || typeof item !== 'object' || Array.isArray(item)) return false;
  const values = item as Record<string, unknown>;
  for (const name in values) if (!isJsonNativeValue(values[name])) return false;
  return true;
}

function isJsonNativeWrite(write: unknown): boolean {
  if (write === null || typeof write !== 'object') return false;
  const fields = write as Record<string, unknown>;
  let found = false;
  for (const key in fields) {
    const request = fields[key];
    if (request === undefined) continue;
    if (found) return false;
    found = true;
    if (key === 'PutRequest') {
      if (!isRequestOf(request, 'Item')) return false;
    } else if (key !== 'DeleteRequest' || !isRequestOf(request, 'Key')) return false;
  }
  return found;
}

function isRequestOf(request: unknown, member: 'Item' | 'Key'): boolean {
  if (request === null || typeof request !== 'object') return false;
  const fields = request as Record<string, unknown>;
  for (const key in fields) if (key !== member && fields[key] !== undefined) return false;
  return isJsonNativeItem(fields[member]);
}

/** Pure: a BatchWriteItem input that JSON.stringify writes as the SDK would. */
export function isJsonNativeBatchWrite(input: unknown): boolean {
  if (input === null || typeof input !== 'object') return false;
  const fields = input as Record<string, unknown>;
  for (const key in fields) {
    const value = fields[key];
    if (key === 'RequestItems' || value === undefined) continue;
    // The two enums; any other member is the SDK's to write (or to leave out).
    if (key !== 'ReturnConsumedCapacity' && key !== 'ReturnItemCollectionMetrics') return false;
    if (typeof value !== 'string') return false;
  }
  const tables = fields.RequestItems;
  if (tables === null || typeof tables !== 'object') return false;
  for (const table in tables) {
    const writes = (tables as Record<string, unknown>)[table];
    if (!Array.isArray(writes) || !writes.every(isJsonNativeWrite)) return false;
  }
  return true;
}

/** The SDK's serializer, with BatchWriteItem bodies of JSON-native values written by JSON.stringify. */
export class BatchWriteBodySerializer implements ShapeSerializer {
  readonly #inner: ShapeSerializer;
  #body: Buffer | undefined;

  constructor(inner: ShapeSerializer) {
    this.#inner = inner;
  }

  write(schema: unknown, value: unknown): void {
    if (schema === BatchWriteItemInput$ && isJsonNativeBatchWrite(value)) {
      this.#body = Buffer.from(JSON.stringify(value));
      return;
    }
    this.#body = undefined;
    this.#inner.write(schema, value);
  }

  flush(): unknown {
    const body = this.#body;
    if (body === undefined) return this.#inner.flush();
    this.#body = undefined;
    return body;
  }

  setSerdeContext(context: unknown): void {
    this.#inner.setSerdeContext(context);
  }
}
