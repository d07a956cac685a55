import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fullPage } from './shard-reader.js';

test('a page at the batch size may have more right behind it', () => {
  assert.equal(fullPage(1000, 10_000, 1000), true);
  assert.equal(fullPage(100, 1_000, 100), true);
});

test('a page cut short by the 1 MB response limit may have more right behind it', () => {
  assert.equal(fullPage(300, 1_000_000, 1000), true);
  assert.equal(fullPage(2, 800 * 1024, 1000), true);
});

test('a short page, or an empty one, is the tip of the shard', () => {
  assert.equal(fullPage(0, 0, 1000), false);
  assert.equal(fullPage(999, 200_000, 1000), false);
  assert.equal(fullPage(1, 400 * 1024, 1000), false);
});
