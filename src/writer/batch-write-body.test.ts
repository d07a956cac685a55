import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BatchWriteItemInput$, DynamoDBClient, type WriteRequest } from '@aws-sdk/client-dynamodb';
import {
  BatchWriteBodySerializer,
  isJsonNativeBatchWrite,
  type ShapeSerializer,
} from './batch-write-body.js';

const sdk = (): ShapeSerializer =>
  (new DynamoDBClient({ region: 'us-east-1' }).config.protocol as unknown as { serializer: ShapeSerializer })
    .serializer;

function text(body: unknown): string {
  return Buffer.isBuffer(body) ? body.toString('utf8') : new TextDecoder().decode(body as Uint8Array);
}

function both(input: object): { fast: string; sdk: string } {
  const plain = sdk();
  plain.write(BatchWriteItemInput$, input);
  const expected = text(plain.flush());
  const wrapped = new BatchWriteBodySerializer(sdk());
  wrapped.write(BatchWriteItemInput$, input);
  return { fast: text(wrapped.flush()), sdk: expected };
}

const native: WriteRequest[] = [
  {
    PutRequest: {
      Item: {
        pk: { S: 'k1' },
        big: { N: '12345678901234567890123456789012345678' },
        tiny: { N: '-1E-130' },
        empty: { S: '' },
        text: { S: 'quote " backslash \\ newline \n tab \t ü 漢 😀' },
        yes: { BOOL: true },
        nothing: { NULL: true },
        ss: { SS: ['a', 'b'] },
        ns: { NS: ['1', '2.5'] },
        list: { L: [{ S: 'x' }, { M: {} }, { L: [] }, { N: '0' }] },
        map: { M: { inner: { M: { deep: { S: 'd' }, e: { S: '' } } } } },
        // Base64 text, as the SDK also writes a string B.
        b64: { B: 'AAEC' as unknown as Uint8Array },
      },
    },
  },
  { DeleteRequest: { Key: { pk: { S: 'k2' } } } },
];

test('a body of JSON-native values is the SDK serializer body, written by JSON.stringify', () => {
  const input = { RequestItems: { dest: native }, ReturnConsumedCapacity: 'TOTAL' };
  assert.equal(isJsonNativeBatchWrite(input), true);
  const { fast, sdk: expected } = both(input);
  assert.deepEqual(JSON.parse(fast), JSON.parse(expected));
});

test('bytes, BS sets, nulls and unknown members are left to the SDK, with the same body', () => {
  const cases: object[] = [
    {
      RequestItems: {
        dest: [{ PutRequest: { Item: { pk: { S: 'k' }, b: { B: new Uint8Array([0, 1, 2]) } } } }],
      },
    },
    {
      RequestItems: {
        dest: [{ PutRequest: { Item: { pk: { S: 'k' }, bs: { BS: [new Uint8Array([255])] } } } }],
      },
    },
    { RequestItems: { dest: [{ DeleteRequest: { Key: { pk: { B: new Uint8Array([7]) } } } }] } },
    {
      RequestItems: {
        dest: [{ PutRequest: { Item: { pk: { S: 'k' }, l: { L: [{ B: new Uint8Array([1]) }] } } } }],
      },
    },
    { RequestItems: { dest: [{ PutRequest: { Item: { pk: { S: 'k', N: null } } } }] } },
    { RequestItems: { dest: [{ PutRequest: { Item: { pk: { S: 'k' } }, Extra: 1 } }] } },
  ];
  for (const input of cases) {
    assert.equal(isJsonNativeBatchWrite(input), false, JSON.stringify(input));
    const { fast, sdk: expected } = both(input);
    assert.equal(fast, expected);
  }
});

test('other operations go through the SDK serializer unchanged', () => {
  const wrapped = new BatchWriteBodySerializer(sdk());
  const plain = sdk();
  const schema = [3, 'com.amazonaws.dynamodb', 'Other', 0, ['TableName'], [0]];
  wrapped.write(schema, { TableName: 't' });
  plain.write(schema, { TableName: 't' });
  assert.equal(text(wrapped.flush()), text(plain.flush()));
});
