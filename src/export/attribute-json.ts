// DynamoDB JSON (the export's and the API's wire shape) to the SDK's AttributeValue, exactly: numbers stay the
// strings they were written as (38 significant digits survive, no float ever), binary is decoded from base64 and
// refused when it is not canonical base64, sets, lists, maps, NULL and BOOL keep their type. Anything else is an
// error naming where in the line it is, never a guess: a load that silently changed a value would be a wrong copy.
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { Item } from '../stream/change-record.js';

export class AttributeJsonError extends Error {
  override readonly name = 'AttributeJsonError';
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
// DynamoDB's number syntax: an optional sign, digits with an optional fraction, an optional exponent.
const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/** An item (a map of attribute name to DynamoDB JSON value); `path` names it in errors. */
export function parseItem(json: unknown, path: string): Item {
  if (!isObject(json)) throw new AttributeJsonError(`${path} is not an object of attributes`);
  const item: Item = {};
  for (const [name, value] of Object.entries(json)) item[name] = parseValue(value, `${path}.${name}`);
  return item;
}

export function parseValue(json: unknown, path: string): AttributeValue {
  if (!isObject(json)) throw new AttributeJsonError(`${path} is not a DynamoDB JSON value`);
  const entries = Object.entries(json);
  const only = entries[0];
  if (entries.length !== 1 || only === undefined) {
    throw new AttributeJsonError(`${path} must have exactly one type key, has ${entries.length}`);
  }
  const [type, value] = only;
  switch (type) {
    case 'S':
      return { S: text(value, path) };
    case 'N':
      return { N: number(value, path) };
    case 'B':
      return { B: binary(value, path) };
    case 'BOOL':
      if (typeof value !== 'boolean') throw new AttributeJsonError(`${path}.BOOL is not true or false`);
      return { BOOL: value };
    case 'NULL':
      if (value !== true) throw new AttributeJsonError(`${path}.NULL must be true`);
      return { NULL: true };
    case 'SS':
      return { SS: list(value, path, 'SS').map((v, i) => text(v, `${path}.SS[${i}]`)) };
    case 'NS':
      return { NS: list(value, path, 'NS').map((v, i) => number(v, `${path}.NS[${i}]`)) };
    case 'BS':
      return { BS: list(value, path, 'BS').map((v, i) => binary(v, `${path}.BS[${i}]`)) };
    case 'L':
      return { L: list(value, path, 'L').map((v, i) => parseValue(v, `${path}[${i}]`)) };
    case 'M':
      return { M: parseItem(value, path) };
    default:
      throw new AttributeJsonError(`${path} has unknown type ${JSON.stringify(type)}`);
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function text(value: unknown, path: string): string {
  if (typeof value !== 'string') throw new AttributeJsonError(`${path} is not a string`);
  return value;
}

function number(value: unknown, path: string): string {
  // A JSON number here would already have lost digits in JSON.parse: the format writes numbers as strings.
  if (typeof value !== 'string' || !NUMBER.test(value)) {
    throw new AttributeJsonError(`${path} is not a number written as a string`);
  }
  return value;
}

function binary(value: unknown, path: string): Uint8Array {
  if (typeof value !== 'string' || !BASE64.test(value)) {
    throw new AttributeJsonError(`${path} is not base64`);
  }
  return new Uint8Array(Buffer.from(value, 'base64'));
}

function list(value: unknown, path: string, type: string): unknown[] {
  if (!Array.isArray(value)) throw new AttributeJsonError(`${path}.${type} is not a list`);
  return value;
}
