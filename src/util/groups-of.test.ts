import assert from 'node:assert/strict';
import { test } from 'node:test';
import { groupsOf } from './groups-of.js';

test('groupsOf: consecutive groups in order, the last one shorter, every item once', () => {
  for (let n = 0; n <= 30; n++) {
    const items = Array.from({ length: n }, (_, i) => i);
    for (const size of [1, 2, 3, 7, 25, 40]) {
      const groups = groupsOf(items, size);
      assert.deepEqual(groups.flat(), items, `n ${n}, size ${size}`);
      assert.equal(groups.length, Math.ceil(n / size), `n ${n}, size ${size}`);
      groups.slice(0, -1).forEach((g) => assert.equal(g.length, size));
      if (n > 0) assert.ok((groups.at(-1)?.length ?? 0) >= 1);
    }
  }
});

test('groupsOf refuses a size that is not a whole number from 1', () => {
  for (const size of [0, -1, 1.5, Number.NaN]) assert.throws(() => groupsOf([1], size), RangeError);
});
