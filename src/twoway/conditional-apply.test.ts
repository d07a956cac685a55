import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Item } from '../stream/change-record.js';
import {
  deleteMarked,
  markDeleting,
  putIfNewer,
  putIfNewerThanTombstone,
  putTombstone,
  refusal,
  stampIfUnchanged,
} from './conditional-apply.js';
import { digestOf, markerNames, stampImage } from './markers.js';

const markers = markerNames();
const target = { tableName: 'orders', markers };
const tombstones = { tableName: 'orders-tombstones', keyAttributes: ['pk', 'sk'] };
const keys: Item = { pk: { S: 'k' }, sk: { N: '1' } };
const V1 = '1764720000000.0001#a';
const V2 = '1764720000005.0000#b';
const image = stampImage({ ...keys, n: { N: '7' } }, markers, V2);

describe('putIfNewer', () => {
  test('puts the image if the item is absent, unstamped or lower', () => {
    assert.deepEqual(putIfNewer(target, image), {
      TableName: 'orders',
      Item: image,
      ConditionExpression: 'NOT attribute_type(#v, :S) OR #v < :stamp',
      ExpressionAttributeNames: { '#v': '_ddbr_v' },
      ExpressionAttributeValues: { ':S': { S: 'S' }, ':stamp': { S: V2 } },
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    });
  });

  test('another prefix names its own attribute', () => {
    const other = markerNames('rep');
    const input = putIfNewer({ tableName: 't', markers: other }, stampImage(keys, other, V1));
    assert.deepEqual(input.ExpressionAttributeNames, { '#v': 'rep_v' });
    assert.deepEqual(input.ExpressionAttributeValues?.[':stamp'], { S: V1 });
  });

  test('an unstamped image is a programmer error', () => {
    assert.throws(() => putIfNewer(target, keys), TypeError);
  });
});

describe('putIfNewerThanTombstone', () => {
  const input = putIfNewerThanTombstone(target, tombstones, keys, image);

  test('checks the tombstone and puts, in one transaction', () => {
    assert.deepEqual(input.TransactItems, [
      {
        ConditionCheck: {
          TableName: 'orders-tombstones',
          Key: { k: { S: '["Sk","N1e0"]' } },
          ConditionExpression: 'attribute_not_exists(#tv) OR #tv < :stamp',
          ExpressionAttributeNames: { '#tv': 'v' },
          ExpressionAttributeValues: { ':stamp': { S: V2 } },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        },
      },
      {
        Put: {
          TableName: 'orders',
          Item: image,
          ConditionExpression: 'NOT attribute_type(#v, :S) OR #v < :stamp',
          ExpressionAttributeNames: { '#v': '_ddbr_v' },
          ExpressionAttributeValues: { ':S': { S: 'S' }, ':stamp': { S: V2 } },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        },
      },
    ]);
  });

  test('its token is one per (table, key, stamp), within the 36 characters allowed', () => {
    const token = input.ClientRequestToken!;
    assert.match(token, /^[0-9a-f]{36}$/);
    assert.equal(putIfNewerThanTombstone(target, tombstones, keys, image).ClientRequestToken, token);
    const other = [
      putIfNewerThanTombstone(target, tombstones, keys, stampImage(keys, markers, V1)),
      putIfNewerThanTombstone({ ...target, tableName: 'x' }, tombstones, keys, image),
      putIfNewerThanTombstone(target, tombstones, { ...keys, sk: { N: '2' } }, image),
    ].map((i) => i.ClientRequestToken);
    for (const t of other) assert.notEqual(t, token);
  });
});

describe('stampIfUnchanged', () => {
  const content: Item = { ...keys, n: { N: '7' } };

  test('an unstamped write: markers only, while the item exists and is still unstamped', () => {
    assert.deepEqual(stampIfUnchanged(target, keys, content, V1), {
      TableName: 'orders',
      Key: keys,
      UpdateExpression: 'SET #v = :stamp, #h = :digest',
      ConditionExpression: 'attribute_exists(#k) AND NOT attribute_type(#v, :S)',
      ExpressionAttributeNames: { '#k': 'pk', '#v': '_ddbr_v', '#h': '_ddbr_h' },
      ExpressionAttributeValues: {
        ':stamp': { S: V1 },
        ':digest': { S: digestOf(content, markers) },
        ':S': { S: 'S' },
      },
      ReturnValues: 'ALL_NEW',
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    });
  });

  test('a write that kept (copied) the markers: while the item still holds the stamp the stream showed', () => {
    const copied = { ...content, n: { N: '8' }, _ddbr_v: { S: V1 }, _ddbr_h: image._ddbr_h! };
    const input = stampIfUnchanged(target, keys, copied, V2);
    assert.equal(input.ConditionExpression, 'attribute_exists(#k) AND #v = :seen');
    assert.deepEqual(input.ExpressionAttributeValues, {
      ':stamp': { S: V2 },
      ':digest': { S: digestOf({ ...content, n: { N: '8' } }, markers) },
      ':seen': { S: V1 },
    });
  });
});

describe('the delete: mark, then delete the marked item', () => {
  test('markDeleting: only over an existing item that is unstamped or lower', () => {
    assert.deepEqual(markDeleting(target, keys, V2), {
      TableName: 'orders',
      Key: keys,
      UpdateExpression: 'SET #v = :stamp, #h = :deleting',
      ConditionExpression: 'attribute_exists(#k) AND (NOT attribute_type(#v, :S) OR #v < :stamp)',
      ExpressionAttributeNames: { '#k': 'pk', '#v': '_ddbr_v', '#h': '_ddbr_h' },
      ExpressionAttributeValues: { ':S': { S: 'S' }, ':stamp': { S: V2 }, ':deleting': { S: 'delete' } },
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    });
  });

  test('deleteMarked: only while the item holds the mark', () => {
    assert.deepEqual(deleteMarked(target, keys, V2), {
      TableName: 'orders',
      Key: keys,
      ConditionExpression: '#v = :stamp AND #h = :deleting',
      ExpressionAttributeNames: { '#v': '_ddbr_v', '#h': '_ddbr_h' },
      ExpressionAttributeValues: { ':stamp': { S: V2 }, ':deleting': { S: 'delete' } },
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    });
  });

  test('a key without attributes is a programmer error', () => {
    assert.throws(() => markDeleting(target, {}, V2), TypeError);
  });
});

describe('putTombstone', () => {
  test('records the delete unless a newer delete is recorded', () => {
    const input = putTombstone({ ...tombstones, horizonMs: 3_600_000 }, keys, V2);
    assert.deepEqual(input, {
      TableName: 'orders-tombstones',
      Item: {
        k: { S: '["Sk","N1e0"]' },
        v: { S: V2 },
        exp: { N: String(Math.ceil((1764720000005 + 3_600_000) / 1000)) },
        keys: { M: keys },
      },
      ConditionExpression: 'attribute_not_exists(#tv) OR #tv < :stamp',
      ExpressionAttributeNames: { '#tv': 'v' },
      ExpressionAttributeValues: { ':stamp': { S: V2 } },
    });
  });
});

describe('refusal', () => {
  test('the item holds our stamp: a retry of an applied write', () => {
    assert.deepEqual(refusal(V2, image, markers), { kind: 'already-applied' });
  });
  test('another stamp won', () => {
    assert.deepEqual(refusal(V1, image, markers), { kind: 'lost', winner: V2 });
  });
  test('the item is gone or unstamped', () => {
    assert.deepEqual(refusal(V1, undefined, markers), { kind: 'lost', winner: undefined });
    assert.deepEqual(refusal(V1, keys, markers), { kind: 'lost', winner: undefined });
  });
});
