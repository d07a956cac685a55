import assert from 'node:assert/strict';
import { test } from 'node:test';
import { lagText } from './lag-text.js';

test('milliseconds, then seconds with a tenth, then m:ss and h:mm:ss', () => {
  assert.equal(lagText(0), '0 ms');
  assert.equal(lagText(-3), '0 ms');
  assert.equal(lagText(999.4), '999 ms');
  assert.equal(lagText(1000), '1.0 s');
  assert.equal(lagText(12_345), '12.3 s');
  assert.equal(lagText(59_949), '59.9 s');
  assert.equal(lagText(59_950), '1:00');
  assert.equal(lagText(243_000), '4:03');
  assert.equal(lagText(3_723_000), '1:02:03');
});
