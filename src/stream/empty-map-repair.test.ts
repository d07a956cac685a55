import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Item } from './change-record.js';
import { repairEmptyMaps } from './empty-map-repair.js';

test('a typeless value at any depth becomes an empty map', () => {
  const broken = {
    pk: { S: 'x' },
    m: {},
    n: { M: { inner: {}, l: { L: [{}, { S: 'keep' }] } } },
  } as unknown as Item;
  assert.deepEqual(repairEmptyMaps(broken), {
    pk: { S: 'x' },
    m: { M: {} },
    n: { M: { inner: { M: {} }, l: { L: [{ M: {} }, { S: 'keep' }] } } },
  });
  // The input is not changed.
  assert.deepEqual(broken.m, {});
});

test('an image without typeless values is returned as it is', () => {
  const item: Item = { pk: { S: 'x' }, m: { M: { a: { L: [{ N: '1' }, { M: {} }] } } }, e: { L: [] } };
  assert.equal(repairEmptyMaps(item), item);
});

test('empty strings, NULL and false are typed values and stay', () => {
  const item: Item = { s: { S: '' }, z: { NULL: true }, b: { BOOL: false } };
  assert.equal(repairEmptyMaps(item), item);
});
