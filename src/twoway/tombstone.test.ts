import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  DEFAULT_TOMBSTONE_HORIZON_MS,
  tombstoneExpiry,
  tombstoneItem,
  tombstoneKey,
  tombstoneTableInput,
} from './tombstone.js';

const V = '1764720000500.0003#a';

describe('tombstone', () => {
  test('the default horizon is 48 hours', () => {
    assert.equal(DEFAULT_TOMBSTONE_HORIZON_MS, 172_800_000);
  });

  test('expires a horizon after the delete, in whole seconds rounded up', () => {
    assert.equal(tombstoneExpiry(V), Math.ceil((1764720000500 + 172_800_000) / 1000));
    assert.equal(tombstoneExpiry(V, 1000), 1764720002);
    assert.equal(tombstoneExpiry('1764720000000.0000#b', 1000), 1764720001);
  });

  test('refuses what is not a stamp or a horizon', () => {
    assert.throws(() => tombstoneExpiry('hello'), TypeError);
    assert.throws(() => tombstoneExpiry(V, 0), RangeError);
    assert.throws(() => tombstoneExpiry(V, -5), RangeError);
    assert.throws(() => tombstoneExpiry(V, 1.5), RangeError);
  });

  test('keyed by the canonical item key: equal numbers are one key', () => {
    assert.deepEqual(tombstoneKey({ id: { N: '1.50' } }, ['id']), tombstoneKey({ id: { N: '1.5' } }, ['id']));
    assert.notDeepEqual(tombstoneKey({ id: { N: '1' } }, ['id']), tombstoneKey({ id: { S: '1' } }, ['id']));
    assert.deepEqual(tombstoneKey({ pk: { S: 'a' }, sk: { S: 'b' } }, ['pk', 'sk']), {
      k: { S: '["Sa","Sb"]' },
    });
  });

  test('the item: key, stamp, expiry, the original key', () => {
    const keys = { id: { S: 'x' } };
    assert.deepEqual(tombstoneItem(keys, ['id'], V, 1000), {
      k: { S: 'Sx' },
      v: { S: V },
      exp: { N: '1764720002' },
      keys: { M: keys },
    });
  });

  test('the table: hash key k, on demand', () => {
    assert.deepEqual(tombstoneTableInput('t'), {
      TableName: 't',
      AttributeDefinitions: [{ AttributeName: 'k', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'k', KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
    });
  });
});
