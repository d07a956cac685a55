import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { BatchGetItemCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { itemKey } from '../buffer/item-key.js';
import { batchGet, MAX_BATCH_GET } from './batch-get.js';
import type { Item } from './item-compare.js';

type Reply = (keys: Item[], input: BatchGetItemCommand['input']) => unknown;

/** A client whose BatchGetItem answers from `table`, shaped by `reply`; records each request. */
function fakeClient(table: Map<string, Item>, reply?: Reply) {
  const requests: BatchGetItemCommand['input'][] = [];
  const client = {
    send: (command: BatchGetItemCommand) => {
      const input = command.input;
      requests.push(input);
      const keys = input.RequestItems?.t?.Keys ?? [];
      if (reply !== undefined) return Promise.resolve(reply(keys, input));
      const found = keys.flatMap((k) => {
        const item = table.get(itemKey(k, ['pk']));
        return item === undefined ? [] : [item];
      });
      return Promise.resolve({ Responses: { t: found } });
    },
  };
  return { client: client as unknown as DynamoDBClient, requests };
}

const fast = { baseMs: 1, maxMs: 2 };
const key = (i: number): Item => ({ pk: { S: `k${i}` } });
const signal = new AbortController().signal;

test('asks at most 100 keys a request, each key once, and maps what it found by key', async () => {
  const table = new Map<string, Item>();
  for (let i = 0; i < 250; i += 2) table.set(itemKey(key(i), ['pk']), { ...key(i), v: { N: String(i) } });
  const { client, requests } = fakeClient(table);
  const keys = [...Array.from({ length: 250 }, (_, i) => key(i)), key(0), key(1)];
  const found = await batchGet(keys, {
    client,
    tableName: 't',
    keyAttributes: ['pk'],
    consistentRead: true,
    signal,
  });
  assert.equal(found.size, 125);
  assert.deepEqual(found.get(itemKey(key(4), ['pk']))?.v, { N: '4' });
  assert.deepEqual(
    requests.map((r) => r.RequestItems?.t?.Keys?.length),
    [100, 100, 50],
  );
  assert.ok(requests.every((r) => r.RequestItems?.t?.ConsistentRead === true));
  assert.ok(requests.every((r) => (r.RequestItems?.t?.Keys?.length ?? 0) <= MAX_BATCH_GET));
});

test('asks again for UnprocessedKeys until every key is answered, counting each retry', async () => {
  const table = new Map<string, Item>();
  for (let i = 0; i < 10; i++) table.set(itemKey(key(i), ['pk']), key(i));
  let calls = 0;
  const { client, requests } = fakeClient(table, (keys) => {
    calls += 1;
    // Answer two keys a call, leave the rest unprocessed.
    const [first, second, ...rest] = keys;
    return {
      Responses: { t: [first, second].filter((k) => k !== undefined) },
      UnprocessedKeys: rest.length === 0 ? {} : { t: { Keys: rest } },
    };
  });
  const retries: string[] = [];
  const found = await batchGet(
    Array.from({ length: 10 }, (_, i) => key(i)),
    {
      client,
      tableName: 't',
      keyAttributes: ['pk'],
      consistentRead: false,
      signal,
      backoff: fast,
      onRetry: (r) => retries.push(r),
    },
  );
  assert.equal(found.size, 10);
  assert.equal(calls, 5);
  assert.deepEqual(
    requests.map((r) => r.RequestItems?.t?.Keys?.length),
    [10, 8, 6, 4, 2],
  );
  assert.deepEqual(retries, ['unprocessed', 'unprocessed', 'unprocessed', 'unprocessed']);
});

test('retries throttling; throws a validation error as it came', async () => {
  const table = new Map<string, Item>([[itemKey(key(1), ['pk']), key(1)]]);
  let calls = 0;
  const throttled = Object.assign(new Error('slow down'), {
    name: 'ProvisionedThroughputExceededException',
    $metadata: { httpStatusCode: 400 },
  });
  const { client } = fakeClient(table, (keys) => {
    calls += 1;
    if (calls < 3) throw throttled;
    return { Responses: { t: keys } };
  });
  const retries: string[] = [];
  const found = await batchGet([key(1)], {
    client,
    tableName: 't',
    keyAttributes: ['pk'],
    consistentRead: false,
    signal,
    backoff: fast,
    onRetry: (r) => retries.push(r),
  });
  assert.equal(found.size, 1);
  assert.deepEqual(retries, ['throttled', 'throttled']);

  const invalid = Object.assign(new Error('bad key'), {
    name: 'ValidationException',
    $metadata: { httpStatusCode: 400 },
  });
  const failing = fakeClient(table, () => {
    throw invalid;
  });
  await assert.rejects(
    batchGet([key(1)], {
      client: failing.client,
      tableName: 't',
      keyAttributes: ['pk'],
      consistentRead: false,
      signal,
    }),
    (err) => err === invalid,
  );
});

test('keysOnly projects the key attributes; maxKeysPerRequest caps a request', async () => {
  const { client, requests } = fakeClient(new Map());
  await batchGet(
    Array.from({ length: 7 }, (_, i) => ({ pk: { S: `k${i}` }, sk: { N: '1' } })),
    {
      client,
      tableName: 't',
      keyAttributes: ['pk', 'sk'],
      consistentRead: false,
      keysOnly: true,
      maxKeysPerRequest: 3,
      signal,
    },
  );
  assert.deepEqual(
    requests.map((r) => r.RequestItems?.t?.Keys?.length),
    [3, 3, 1],
  );
  assert.equal(requests[0]?.RequestItems?.t?.ProjectionExpression, '#k0, #k1');
  assert.deepEqual(requests[0]?.RequestItems?.t?.ExpressionAttributeNames, { '#k0': 'pk', '#k1': 'sk' });
});
