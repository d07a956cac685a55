// The one item shape every measurement writes (~200 bytes, five attributes), so the raw loader and the
// replicator put the same bytes into comparable destination tables; plus the clients and key of those tables.
import type { AttributeValue, WriteRequest } from '@aws-sdk/client-dynamodb';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createDynamoClient, DATA_PATH } from '../src/app/aws-clients.js';
import type { TableKey } from '../src/local/local-tables.js';

export type Item = Record<string, AttributeValue>;

export const SOURCE_REGION = 'us-east-1';
export const DEST_REGION = 'us-west-2';
export const TABLE_KEY: TableKey = { hash: { name: 'pk', type: 'S' } };

const PAYLOAD_CHARS = 140;
const ALPHABET = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

/** Deterministic pseudo-random text, so every run writes the same bytes. */
function payload(seed: number): string {
  let x = (seed * 2_654_435_761) >>> 0 || 1;
  let out = '';
  for (let i = 0; i < PAYLOAD_CHARS; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out += ALPHABET.charAt(x % ALPHABET.length);
  }
  return out;
}

export function makeItem(index: number, prefix = 'item'): Item {
  return {
    pk: { S: `${prefix}-${String(index).padStart(8, '0')}` },
    payload: { S: payload(index) },
    seq: { N: String(index) },
    writtenAt: { N: String(Date.now()) },
    kind: { S: 'bench' },
  };
}

/** DynamoDB's item size rule, approximately: names + string bytes + ~1 byte per 2 digits of a number. */
export function itemSizeBytes(item: Item): number {
  let size = 0;
  for (const [name, value] of Object.entries(item)) {
    size += Buffer.byteLength(name);
    if (value.S !== undefined) size += Buffer.byteLength(value.S);
    else if (value.N !== undefined) size += Math.ceil(value.N.replace(/^-|\./g, '').length / 2) + 1;
    else if (value.BOOL !== undefined) size += 1;
  }
  return size;
}

export function putRequests(count: number, prefix = 'item'): WriteRequest[] {
  const requests: WriteRequest[] = [];
  for (let i = 0; i < count; i++) requests.push({ PutRequest: { Item: makeItem(i, prefix) } });
  return requests;
}

/** A client configured like the replicator's data path (same HTTP agent settings, one attempt per call). */
export function benchClient(endpoint: string, region: string): DynamoDBClient {
  return createDynamoClient({ region, endpoint }, DATA_PATH);
}
