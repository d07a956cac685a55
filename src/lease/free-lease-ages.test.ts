import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FreeLeaseAges } from './free-lease-ages.js';

test('a lease is long free once seen free at every look for the wait', () => {
  const ages = new FreeLeaseAges(1_000);
  assert.deepEqual([...ages.longFree(0)], []);
  ages.observe(['a', 'b'], 0);
  assert.deepEqual([...ages.longFree(999)], []);
  ages.observe(['a', 'b', 'c'], 500);
  assert.deepEqual([...ages.longFree(1_000)].sort(), ['a', 'b']);
  assert.deepEqual([...ages.longFree(1_500)].sort(), ['a', 'b', 'c']);
});

test('a lease taken in between (not free at a look) starts again', () => {
  const ages = new FreeLeaseAges(1_000);
  ages.observe(['a'], 0);
  ages.observe([], 600);
  ages.observe(['a'], 1_200);
  assert.deepEqual([...ages.longFree(2_000)], []);
  assert.deepEqual([...ages.longFree(2_200)], ['a']);
});
