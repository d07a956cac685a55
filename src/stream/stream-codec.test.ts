import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fromBase64 } from '@smithy/core/serde';
import { readGetRecordsOutput } from './stream-codec.js';

const page = (): Record<string, unknown> => ({
  Records: [
    {
      eventID: 'e1',
      eventName: 'MODIFY',
      dynamodb: {
        ApproximateCreationDateTime: 1700000000.5,
        Keys: { pk: { B: 'AAEC' } },
        NewImage: {
          pk: { B: 'AAEC' },
          n: { N: '12345678901234567890123456789012345678' },
          e: { S: '' },
          m: { M: { bs: { BS: ['/w=='] }, l: { L: [{ B: 'AQ==' }, { S: 'x' }] } } },
        },
        OldImage: { pk: { B: 'AAEC' } },
        SequenceNumber: '100',
        SizeBytes: 42,
      },
      userIdentity: { Type: 'Service', PrincipalId: 'dynamodb.amazonaws.com' },
    },
    { eventID: 'e2', eventName: 'REMOVE', dynamodb: { Keys: { pk: { S: 'k' } }, SequenceNumber: '101' } },
  ],
  NextShardIterator: 'next',
});

test('a GetRecords answer becomes the SDK shape in place: creation time a Date, binary values bytes', () => {
  const output = page();
  assert.equal(readGetRecordsOutput(output, fromBase64), true);
  const [first, second] = output.Records as { dynamodb: Record<string, unknown> }[];
  const data = first?.dynamodb ?? {};
  assert.deepEqual(data.ApproximateCreationDateTime, new Date(1700000000500));
  assert.deepEqual(data.Keys, { pk: { B: new Uint8Array([0, 1, 2]) } });
  assert.deepEqual(data.NewImage, {
    pk: { B: new Uint8Array([0, 1, 2]) },
    n: { N: '12345678901234567890123456789012345678' },
    e: { S: '' },
    m: { M: { bs: { BS: [new Uint8Array([255])] }, l: { L: [{ B: new Uint8Array([1]) }, { S: 'x' }] } } },
  });
  assert.deepEqual(data.OldImage, { pk: { B: new Uint8Array([0, 1, 2]) } });
  assert.equal(data.SizeBytes, 42);
  assert.deepEqual(second?.dynamodb, { Keys: { pk: { S: 'k' } }, SequenceNumber: '101' });
  assert.equal(output.NextShardIterator, 'next');
});

test('an answer of another shape is left unchanged, for the SDK to read', () => {
  const odd = { Records: [{ dynamodb: 'text' }, { dynamodb: { Keys: { pk: { B: 'AAEC' } } } }] };
  const copy = structuredClone(odd);
  assert.equal(readGetRecordsOutput(odd, fromBase64), false);
  assert.deepEqual(odd, copy);
  assert.equal(readGetRecordsOutput({ Records: 'x' }, fromBase64), false);
  assert.equal(readGetRecordsOutput({}, fromBase64), true);
});
