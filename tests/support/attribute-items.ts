// Items that exercise every DynamoDB attribute type at its edges (numbers at the limits of precision and
// magnitude, empty strings and binaries, deep nesting, items near the 400 KB limit), key values of each key
// type, and the writes that put them into a source table.
import {
  DeleteItemCommand,
  PutItemCommand,
  UpdateItemCommand,
  type AttributeValue,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { randomBytes } from 'node:crypto';
import type { Item } from './replication-fixture.js';

/** Numbers DynamoDB accepts at its limits: 38 significant digits, magnitudes from 1E-130 to ~1E+126. */
export const EDGE_NUMBERS = [
  '0',
  '42',
  '-7',
  '0.000123',
  '12345678901234567890123456789012345678',
  '-1234567890123456789012345678901234567.8',
  '0.12345678901234567890123456789012345678',
  '1E-130',
  '-1E-130',
  '9.9999999999999999999999999999999999999E+125',
  '-9.9999999999999999999999999999999999999E+125',
] as const;

/** Near the 400 KB item limit, leaving room for the key and attribute names. */
export const NEAR_LIMIT_BYTES = 395 * 1024;

function bytes(n: number): Uint8Array {
  return new Uint8Array(randomBytes(n));
}

/** A value nested `depth` levels deep, alternating maps and lists, with every scalar and set type inside. */
export function nested(depth: number): AttributeValue {
  const leaf: AttributeValue = {
    M: {
      s: { S: `leaf ${depth}` },
      n: { N: EDGE_NUMBERS[depth % EDGE_NUMBERS.length] ?? '1' },
      b: { B: bytes(16) },
      nul: { NULL: true },
      yes: { BOOL: true },
      no: { BOOL: false },
      ss: { SS: ['x', 'y'] },
      ns: { NS: ['1', '-2.5'] },
      bs: { BS: [bytes(3), bytes(5)] },
      emptyS: { S: '' },
      emptyB: { B: new Uint8Array() },
      emptyL: { L: [] },
    },
  };
  if (depth === 0) return leaf;
  const inner = nested(depth - 1);
  return depth % 2 === 0 ? { M: { level: { N: String(depth) }, inner, leaf } } : { L: [inner, leaf] };
}

/** One item per group of types, for a table whose hash key is `pk` (S). */
export function allTypesItems(): Item[] {
  return [
    {
      pk: { S: 'scalars' },
      s: { S: 'héllo wörld ✓ 𝄞 \u0000 end' },
      n: { N: '42' },
      b: { B: bytes(257) },
      nul: { NULL: true },
      yes: { BOOL: true },
      no: { BOOL: false },
    },
    {
      pk: { S: 'numbers' },
      ...Object.fromEntries(EDGE_NUMBERS.map((n, i) => [`n${i}`, { N: n }])),
      ns: { NS: [...EDGE_NUMBERS] },
    },
    {
      pk: { S: 'sets' },
      ss: { SS: ['a', 'b', 'ünïcödé', ' spaced ', 'x'.repeat(1000)] },
      ns: { NS: ['1', '2.5', '-3', '1E-130', '9.9999999999999999999999999999999999999E+125'] },
      bs: { BS: [bytes(1), bytes(32), bytes(1024)] },
    },
    { pk: { S: 'nested' }, deep: nested(8), list: { L: [nested(3), { S: 'tail' }, { N: '-0.5' }] } },
    {
      pk: { S: 'empties' },
      emptyS: { S: '' },
      emptyB: { B: new Uint8Array() },
      emptyL: { L: [] },
      inList: { L: [{ S: '' }, { B: new Uint8Array() }, { L: [] }] },
      inMap: { M: { s: { S: '' }, b: { B: new Uint8Array() }, l: { L: [] } } },
    },
    { pk: { S: 'big-string' }, s: { S: 'x'.repeat(NEAR_LIMIT_BYTES) } },
    { pk: { S: 'big-binary' }, b: { B: bytes(NEAR_LIMIT_BYTES) } },
  ];
}

/** Items holding empty maps, at the top level and nested in maps and lists. */
export function emptyMapItems(): Item[] {
  return [
    { pk: { S: 'empty-map' }, m: { M: {} } },
    { pk: { S: 'nested-empty-map' }, m: { M: { inner: { M: {} } } }, l: { L: [{ M: {} }, { S: 'x' }] } },
  ];
}

export type KeyType = 'S' | 'N' | 'B';

/** `count` distinct key values of a type, edge values first (long strings, extreme numbers, odd bytes). */
export function keyValues(type: KeyType, count: number): AttributeValue[] {
  const values: AttributeValue[] = [];
  for (let i = 0; values.length < count; i++) {
    if (type === 'S') {
      const edge = ['a', 'ünïcödé 𝄞', ' ', 'k'.repeat(1024)][i];
      values.push({ S: edge ?? `key-${i}` });
    } else if (type === 'N') {
      values.push({ N: EDGE_NUMBERS[i] ?? String(i * 1000 + 0.25) });
    } else {
      const edge = [new Uint8Array([0]), new Uint8Array([255, 0, 255]), bytes(1024)][i];
      values.push({ B: edge ?? bytes(1 + (i % 40)) });
    }
  }
  return values;
}

export async function putItems(client: DynamoDBClient, table: string, items: readonly Item[]): Promise<void> {
  for (const item of items) await client.send(new PutItemCommand({ TableName: table, Item: item }));
}

/** Sets `v` on an existing item (a MODIFY record). */
export async function setValue(
  client: DynamoDBClient,
  table: string,
  key: Item,
  value: AttributeValue,
): Promise<void> {
  await client.send(
    new UpdateItemCommand({
      TableName: table,
      Key: key,
      UpdateExpression: 'SET v = :v',
      ExpressionAttributeValues: { ':v': value },
    }),
  );
}

export async function deleteItem(client: DynamoDBClient, table: string, key: Item): Promise<void> {
  await client.send(new DeleteItemCommand({ TableName: table, Key: key }));
}
