import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { canonicalItem, keyOf } from './verify-tables.js';

describe('canonicalItem', () => {
  test('attribute order, set order and number spelling do not matter', () => {
    const a = canonicalItem({
      pk: { S: 'k' },
      tags: { SS: ['b', 'a'] },
      ns: { NS: ['2.50', '1'] },
      m: { M: { y: { N: '1.0' }, x: { BOOL: true } } },
      bin: { B: new Uint8Array([1, 2]) },
    });
    const b = canonicalItem({
      bin: { B: Buffer.from([1, 2]) },
      m: { M: { x: { BOOL: true }, y: { N: '1' } } },
      ns: { NS: ['1', '2.5'] },
      tags: { SS: ['a', 'b'] },
      pk: { S: 'k' },
    });
    assert.equal(a, b);
  });

  test('list order, types and values do matter', () => {
    const base = canonicalItem({ l: { L: [{ S: 'a' }, { S: 'b' }] } });
    assert.notEqual(base, canonicalItem({ l: { L: [{ S: 'b' }, { S: 'a' }] } }));
    assert.notEqual(canonicalItem({ v: { S: '1' } }), canonicalItem({ v: { N: '1' } }));
    assert.notEqual(canonicalItem({ v: { NULL: true } }), canonicalItem({}));
  });
});

describe('keyOf', () => {
  test('a single string key reads as itself; other keys as JSON', () => {
    assert.equal(keyOf({ pk: { S: 'order-1' }, x: { N: '1' } }, ['pk']), 'order-1');
    assert.equal(
      keyOf({ h: { S: 'a' }, r: { N: '1.0' } }, ['h', 'r']),
      keyOf({ h: { S: 'a' }, r: { N: '1' } }, ['h', 'r']),
    );
  });
});
