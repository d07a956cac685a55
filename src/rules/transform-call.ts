// Calls a table's transform for one record and turns whatever goes wrong in user code (a throw, a rejection, a
// return that is no item) into a TransformError naming the record's key, so the failure says which item broke
// the module. The check of a good return is one pass over its attributes, and the key is described only on
// failure (pass a function to keep JSON.stringify off the path of every record).
import type { Item } from '../stream/change-record.js';
import type { ImageTransform, TransformContext } from './transform-module.js';

export class TransformError extends Error {
  override readonly name = 'TransformError';
}

type KeyDescription = string | (() => string);

function describeKey(key: KeyDescription): string {
  return typeof key === 'string' ? key : key();
}

/** `Name: message` on one line: a log line per failure, however the module's error text is laid out. */
function oneLine(err: unknown): string {
  const text = err instanceof Error ? `${err.name}: ${err.message}` : `${String(err)} (not an Error)`;
  return text.replace(/\s*\n\s*/g, ' ').trim();
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return `the string ${JSON.stringify(value.slice(0, 40))}`;
  return typeof value === 'undefined' ? 'undefined' : `a ${typeof value}`;
}

/** The first attribute that is not AttributeValue-shaped (a non-null object with exactly one key), if any. */
function badAttribute(item: object): string | undefined {
  for (const name in item) {
    const value = (item as Record<string, unknown>)[name];
    if (typeof value !== 'object' || value === null) return name;
    // Arrays and byte arrays are objects with keys too, but a value must be wrapped: {"L": [...]}, {"B": bytes}.
    if (Array.isArray(value) || ArrayBuffer.isView(value)) return name;
    let keys = 0;
    for (const member in value) {
      if (Object.hasOwn(value, member)) keys += 1;
      if (keys > 1) return name;
    }
    if (keys === 0) return name;
  }
  return undefined;
}

function checked(result: unknown, key: KeyDescription): Item | null {
  if (result === null) return null;
  const fix = 'return the image (attribute name to a value such as {"S": "x"}) or null';
  if (typeof result !== 'object' || Array.isArray(result)) {
    throw new TransformError(
      `transform of key ${describeKey(key)} returned ${describeValue(result)}, not an item or null: ${fix}`,
    );
  }
  const bad = badAttribute(result);
  if (bad !== undefined) {
    const value = (result as Record<string, unknown>)[bad];
    const shown = typeof value === 'object' && value !== null ? JSON.stringify(value) : describeValue(value);
    throw new TransformError(
      `transform of key ${describeKey(key)} returned attribute ${JSON.stringify(bad)} as ${shown}, not an attribute value: ${fix}`,
    );
  }
  return result as Item;
}

function thrown(err: unknown, key: KeyDescription): TransformError {
  return new TransformError(`transform of key ${describeKey(key)} threw: ${oneLine(err)}`, { cause: err });
}

/**
 * The transform's result, checked: a plain value when the transform returned one (no microtask), a Promise
 * when it returned one. Every failure is a TransformError, thrown or as the Promise's rejection.
 */
export function callTransform(
  transform: ImageTransform,
  image: Item,
  context: TransformContext,
  keyDescription: KeyDescription,
): Item | null | Promise<Item | null> {
  let result: unknown;
  try {
    result = transform(image, context);
  } catch (err) {
    throw thrown(err, keyDescription);
  }
  if (typeof (result as { then?: unknown } | null)?.then === 'function') {
    return Promise.resolve(result).then(
      (value) => checked(value, keyDescription),
      (err: unknown) => {
        throw thrown(err, keyDescription);
      },
    );
  }
  return checked(result, keyDescription);
}
