import assert from 'node:assert/strict';
import { test } from 'node:test';
import { itemSizeBytes } from './item-size.js';

test('names and values count by DynamoDB rules', () => {
  assert.equal(itemSizeBytes({ pk: { S: 'abc' } }), 5);
  assert.equal(itemSizeBytes({ n: { N: '12345' } }), 1 + 4);
  assert.equal(itemSizeBytes({ b: { B: new Uint8Array(10) } }), 11);
  assert.equal(itemSizeBytes({ t: { BOOL: true }, z: { NULL: true } }), 4);
  assert.equal(itemSizeBytes({ s: { SS: ['ab', 'c'] } }), 4);
  assert.equal(itemSizeBytes({ l: { L: [{ S: 'x' }] } }), 1 + 3 + 1 + 1);
  assert.equal(itemSizeBytes({ m: { M: { a: { S: 'x' } } } }), 1 + 3 + 1 + 2);
  assert.equal(itemSizeBytes({ é: { S: 'ü' } }), 4, 'UTF-8 bytes, not characters');
});
